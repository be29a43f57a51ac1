import { and, eq, gt, inArray, isNull, lt, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { clients, oneTimeTokens, sessions, users } from "./schema";

export type SessionRow = typeof sessions.$inferSelect;
export type OneTimeTokenInsert = typeof oneTimeTokens.$inferInsert;

/** The user state a session was granted on: it is inserted only while the user is still in it. */
export interface GrantedOn {
  /** The hash the password was verified against (or that the user had when a login token was exchanged). */
  passwordHash: string | null;
  /** users.sessions_valid_after as read with that hash. */
  sessionsValidAfter: number;
}

/**
 * Creates a session row, guarded: only while the user still has the hash it was granted on, is not
 * disabled and its cut-off has not moved. A reset (or disable) that commits while a sign-in with
 * the old password is in flight therefore leaves no session behind. False when refused.
 */
export async function insertSessionGuarded(db: Db, row: typeof sessions.$inferInsert, on: GrantedOn): Promise<boolean> {
  const guard = sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = ${row.userId} AND ${users.disabled} = 0
    AND ${users.passwordHash} IS ${on.passwordHash} AND ${users.sessionsValidAfter} = ${on.sessionsValidAfter})
    AND EXISTS (SELECT 1 FROM ${clients} WHERE ${clients.id} = ${row.clientId})`;
  const res = await guardedInsert(db, sessions, row, guard);
  return res.meta.changes === 1;
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

/** Marks every unused login token of a user as used (batch item; optionally guarded). */
export const useUserLoginTokens = (db: Db, userId: string, now: number, guard?: SQL) =>
  db
    .update(oneTimeTokens)
    .set({ usedAt: now })
    .where(and(eq(oneTimeTokens.userId, userId), eq(oneTimeTokens.kind, "login"), isNull(oneTimeTokens.usedAt), guard));

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
