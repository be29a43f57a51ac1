import { and, eq, gt, inArray, isNull, lt, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { oneTimeTokens, sessions, users } from "./schema";

export type SessionRow = typeof sessions.$inferSelect;
export type OneTimeTokenInsert = typeof oneTimeTokens.$inferInsert;

/** Creates a session row. */
export async function insertSession(db: Db, row: typeof sessions.$inferInsert): Promise<void> {
  await db.insert(sessions).values(row).run();
}

/** A session joined with its user's revocation state. */
export async function findSessionWithUser(db: Db, sessionId: string) {
  return (
    (await db
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sessionId))
      .get()) ?? null
  );
}

/** Revokes every live session of a user (batch item; optionally guarded). */
export const revokeUserSessions = (db: Db, userId: string, now: number, guard?: SQL) =>
  db
    .update(sessions)
    .set({ revokedAt: now })
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), guard));

/** Guarded insert of a one-time token (batch item). */
export const insertOneTimeTokenGuarded = (db: Db, row: OneTimeTokenInsert, guard: SQL) =>
  guardedInsert(db, oneTimeTokens, row, guard);

/** Uses a one-time token exactly once; false if unknown, expired, of another kind or already used. */
export async function useOneTimeToken(db: Db, id: string, kind: string, now: number) {
  return (
    (await db
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(
        and(
          eq(oneTimeTokens.id, id),
          eq(oneTimeTokens.kind, kind),
          isNull(oneTimeTokens.usedAt),
          gt(oneTimeTokens.expiresAt, now),
        ),
      )
      .returning()
      .get()) ?? null
  );
}

/** Deletes expired sessions and one-time tokens older than `before`, at most `limit` each. */
export async function purgeSessionsAndTokens(db: Db, before: number, limit: number): Promise<number> {
  const s = db.select({ id: sessions.id }).from(sessions).where(lt(sessions.expiresAt, before)).limit(limit);
  const t = db
    .select({ id: oneTimeTokens.id })
    .from(oneTimeTokens)
    .where(lt(oneTimeTokens.expiresAt, before))
    .limit(limit);
  const [a, b] = await db.batch([
    db.delete(sessions).where(inArray(sessions.id, s)),
    db.delete(oneTimeTokens).where(inArray(oneTimeTokens.id, t)),
  ]);
  return a.meta.changes + b.meta.changes;
}
