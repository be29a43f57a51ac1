import { and, desc, eq, gt, inArray, isNull, lt, ne, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { resetRequests } from "./schema";

export type ResetRow = typeof resetRequests.$inferSelect;
export type ResetInsert = typeof resetRequests.$inferInsert;

/** Maximum wrong codes before the code is dead (DESIGN §6). */
export const MAX_CODE_ATTEMPTS = 5;

/** Insert statement for a new reset request (batch item). */
export const insertReset = (db: Db, row: ResetInsert) => db.insert(resetRequests).values(row);

/** Kills every other outstanding request of a user (a new request supersedes older ones). */
export const invalidateOpenResets = (
  db: Db,
  userId: string,
  now: number,
  opts: { exceptId?: string; guard?: SQL } = {},
) =>
  db
    .update(resetRequests)
    .set({ invalidatedAt: now })
    .where(
      and(
        eq(resetRequests.userId, userId),
        isNull(resetRequests.consumedAt),
        isNull(resetRequests.invalidatedAt),
        opts.exceptId ? ne(resetRequests.id, opts.exceptId) : undefined,
        opts.guard,
      ),
    );

/** Finds a request by the SHA-256 of its link token. */
export async function findResetByTokenHash(db: Db, tokenHash: string): Promise<ResetRow | null> {
  return (await db.select().from(resetRequests).where(eq(resetRequests.tokenHash, tokenHash)).get()) ?? null;
}

/** Finds a request by id. */
export async function findResetById(db: Db, id: string): Promise<ResetRow | null> {
  return (await db.select().from(resetRequests).where(eq(resetRequests.id, id)).get()) ?? null;
}

/** The newest request of a user whose code may still be tried. */
export async function findCodeCandidate(db: Db, userId: string, now: number): Promise<ResetRow | null> {
  const row = await db
    .select()
    .from(resetRequests)
    .where(
      and(
        eq(resetRequests.userId, userId),
        isNull(resetRequests.consumedAt),
        isNull(resetRequests.invalidatedAt),
        isNull(resetRequests.codeUsedAt),
        gt(resetRequests.expiresAt, now),
        gt(resetRequests.codeExpiresAt, now),
      ),
    )
    .orderBy(desc(resetRequests.createdAt))
    .get();
  return row ?? null;
}

/**
 * Spends one code attempt before comparing, in one UPDATE: parallel guesses can never
 * exceed the limit. Returns false when the code has no attempts left.
 */
export async function reserveCodeAttempt(db: Db, id: string): Promise<boolean> {
  const res = await db
    .update(resetRequests)
    .set({ codeAttempts: sql`${resetRequests.codeAttempts} + 1` })
    .where(
      and(
        eq(resetRequests.id, id),
        lt(resetRequests.codeAttempts, MAX_CODE_ATTEMPTS),
        isNull(resetRequests.codeUsedAt),
      ),
    )
    .run();
  return res.meta.changes === 1;
}

/** Marks a correct code as used (once); false if someone else used it first. */
export async function markCodeUsed(db: Db, id: string, now: number): Promise<boolean> {
  const res = await db
    .update(resetRequests)
    .set({ codeUsedAt: now })
    .where(and(eq(resetRequests.id, id), isNull(resetRequests.codeUsedAt)))
    .run();
  return res.meta.changes === 1;
}

/** The first statement of a completion batch: consumes the request iff it is still live. */
export const consumeReset = (db: Db, id: string, nonce: string, now: number) =>
  db
    .update(resetRequests)
    .set({ consumedAt: now, consumedBy: nonce })
    .where(
      and(
        eq(resetRequests.id, id),
        isNull(resetRequests.consumedAt),
        isNull(resetRequests.invalidatedAt),
        gt(resetRequests.expiresAt, now),
      ),
    );

/** Guard for the rest of a completion batch: true only in the batch whose nonce consumed the request. */
export const consumedByGuard = (id: string, nonce: string) =>
  sql`EXISTS (SELECT 1 FROM ${resetRequests} WHERE ${resetRequests.id} = ${id} AND ${resetRequests.consumedBy} = ${nonce})`;

/** Deletes requests that expired before `before`, at most `limit`. */
export async function purgeResets(db: Db, before: number, limit: number): Promise<number> {
  const ids = db
    .select({ id: resetRequests.id })
    .from(resetRequests)
    .where(lt(resetRequests.expiresAt, before))
    .limit(limit);
  const res = await db.delete(resetRequests).where(inArray(resetRequests.id, ids)).run();
  return res.meta.changes;
}
