import { and, eq, gt, isNull, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { oneTimeTokens, users } from "./schema";

// "That wasn't me" links are one-time tokens of kind not_me (id = SHA-256 of the token) and a lock
// is users.locked_at: sign-in refuses the right password while it is set (src/flows/sign-in.ts).

export const NOT_ME = "not_me";

export type NotMeRow = typeof oneTimeTokens.$inferSelect;

/** Inserts a "that wasn't me" token (batch item), only while `guard` holds when one is given. */
export const insertNotMe = (db: Db, row: typeof oneTimeTokens.$inferInsert, guard: SQL = sql`1`) =>
  guardedInsert(db, oneTimeTokens, row, guard);

/** A "that wasn't me" token by the hash of its value, used or not. */
export async function findNotMe(db: Db, id: string): Promise<NotMeRow | null> {
  return (
    (await db
      .select()
      .from(oneTimeTokens)
      .where(and(eq(oneTimeTokens.id, id), eq(oneTimeTokens.kind, NOT_ME)))
      .get()) ?? null
  );
}

const live = (id: string, now: number) =>
  and(
    eq(oneTimeTokens.id, id),
    eq(oneTimeTokens.kind, NOT_ME),
    isNull(oneTimeTokens.usedAt),
    gt(oneTimeTokens.expiresAt, now),
  );

/**
 * Guard of a lock batch: true while the token is unused. The batch's last statement uses it
 * (useNotMe), so of concurrent batches only the first one committed changes anything.
 */
export const notMeUnused = (id: string, now: number) =>
  sql`EXISTS (SELECT 1 FROM ${oneTimeTokens} WHERE ${live(id, now)})`;

/** Marks the token used (batch item, last of the lock batch): 1 change for the winner, 0 otherwise. */
export const useNotMe = (db: Db, id: string, now: number) =>
  db.update(oneTimeTokens).set({ usedAt: now }).where(live(id, now));

/**
 * Locks a user (batch item): keeps the time of an earlier lock, and moves sessions_valid_after so a
 * sign-in or login-token exchange in flight leaves no session behind.
 */
export const lockUserRow = (db: Db, userId: string, now: number, guard: SQL) =>
  db
    .update(users)
    .set({ lockedAt: sql`COALESCE(${users.lockedAt}, ${now})`, sessionsValidAfter: now, updatedAt: now })
    .where(and(eq(users.id, userId), guard));

/** Ends a lock (batch item). */
export const unlockUserRow = (db: Db, userId: string, now: number) =>
  db.update(users).set({ lockedAt: null, updatedAt: now }).where(eq(users.id, userId));
