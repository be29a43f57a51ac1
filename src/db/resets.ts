import { and, eq, gt, inArray, isNull, lt, ne, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { toClient } from "./clients";
import { batchable, placeholders, prebuilt, prebuiltByShape } from "./raw";
import { clients, resetRequests, users } from "./schema";

export type ResetRow = typeof resetRequests.$inferSelect;
export type ResetInsert = typeof resetRequests.$inferInsert;

/** Maximum wrong codes before the code is dead (DESIGN §6). */
export const MAX_CODE_ATTEMPTS = 5;

const buildInsert = (db: Db, row: ResetInsert) => db.insert(resetRequests).values(row);
/** Insert statement for a new reset request (batch item); built once per isolate. */
export const insertReset: typeof buildInsert = prebuiltByShape(
  (db, keys) => buildInsert(db, placeholders(keys) as unknown as ResetInsert),
  buildInsert,
);

/** Kills every other outstanding request of a user (a new request supersedes older ones). */
export const invalidateOpenResets = (
  db: Db,
  userId: string,
  now: number,
  opts: { exceptId?: string; guard?: SQL } = {},
) =>
  opts.exceptId || opts.guard
    ? buildInvalidate(db, userId, now, opts)
    : (invalidateAll(db, { userId, now }) as ReturnType<typeof buildInvalidate>);

const invalidateAll = prebuilt((db) => buildInvalidate(db, sql.placeholder("userId"), sql.placeholder("now")));

const buildInvalidate = (
  db: Db,
  userId: string | Placeholder,
  now: number | Placeholder,
  opts: { exceptId?: string; guard?: SQL } = {},
) =>
  db
    .update(resetRequests)
    .set({ invalidatedAt: now as number })
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

/** A request with what its email needs: the user's address and name, and the client (one query). */
export async function findResetForEmail(db: Db, id: string) {
  const row = await db
    .select({ reset: resetRequests, user: { email: users.email, name: users.name }, client: clients })
    .from(resetRequests)
    .innerJoin(users, eq(users.id, resetRequests.userId))
    .innerJoin(clients, eq(clients.id, resetRequests.clientId))
    .where(eq(resetRequests.id, id))
    .get();
  return row ? { reset: row.reset, user: row.user, client: toClient(row.client) } : null;
}

/** The newest request of an account (tenant, normalized email) whose code may still be tried, as an id subquery. */
const codeCandidate = (tenantId: string, email: string, now: number) =>
  sql`(SELECT r.id FROM reset_requests r JOIN users u ON u.id = r.user_id
    WHERE u.tenant_id = ${tenantId} AND u.email = ${email} AND u.disabled = 0
      AND r.consumed_at IS NULL AND r.invalidated_at IS NULL AND r.code_used_at IS NULL
      AND r.code_hmac IS NOT NULL AND r.expires_at > ${now} AND r.code_expires_at > ${now}
    ORDER BY r.created_at DESC LIMIT 1)`;

/**
 * The wrong-code budget of an account: the codeBudget of the client that sent its live code (so a
 * guesser cannot pick the laxest client of the tenant by naming it), else `fallback` (SQL expression).
 */
export const codeBudgetOf = (tenantId: string, email: string, now: number, fallback: number) =>
  sql`COALESCE((SELECT c.code_budget FROM reset_requests r JOIN clients c ON c.id = r.client_id
    WHERE r.id = ${codeCandidate(tenantId, email, now)}), ${fallback})`;

/** The request a code attempt was spent on (snake_case: a raw RETURNING row). */
export interface CodeAttempt {
  id: string;
  tenant_id: string;
  client_id: string;
  user_id: string;
  code_hmac: string;
  code_attempts: number;
  expires_at: number;
}

/**
 * Spends one attempt of the account's live code before the code is compared, in one UPDATE, only
 * while `guard` holds (batch item; [] when there is no live code, no attempt left or no guard):
 * parallel guesses can never exceed MAX_CODE_ATTEMPTS. Found by email in the same statement, so
 * unknown, codeless and known accounts cost the database the same work.
 */
export const spendCodeAttempt = (db: Db, tenantId: string, email: string, now: number, guard: SQL) =>
  batchable(
    db,
    db.all<CodeAttempt>(sql`UPDATE reset_requests SET code_attempts = code_attempts + 1
      WHERE id = ${codeCandidate(tenantId, email, now)} AND code_attempts < ${MAX_CODE_ATTEMPTS} AND ${guard}
      RETURNING id, tenant_id, client_id, user_id, code_hmac, code_attempts, expires_at`),
  );

/** The account's user id and live code request id (each null when there is none), for the audit trail (batch item). */
export const codeLookup = (db: Db, tenantId: string, email: string, now: number) =>
  batchable(
    db,
    db.all<{ user_id: string | null; reset_id: string | null }>(
      sql`SELECT (SELECT id FROM users WHERE tenant_id = ${tenantId} AND email = ${email}) AS user_id,
        ${codeCandidate(tenantId, email, now)} AS reset_id`,
    ),
  );

/** Marks a correct code as used, once (batch item); the id "" matches nothing, so every path runs it. */
export const markCodeUsed = (db: Db, id: string, now: number) =>
  db
    .update(resetRequests)
    .set({ codeUsedAt: now })
    .where(and(eq(resetRequests.id, id), isNull(resetRequests.codeUsedAt)));

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
