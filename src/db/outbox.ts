import { and, desc, eq, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { emailOutbox } from "./schema";

export type OutboxRow = typeof emailOutbox.$inferSelect;
export type OutboxInsert = typeof emailOutbox.$inferInsert;

/** How long a sender owns a claimed row before another run may take it over (crash recovery). */
export const LEASE_MS = 60_000;

/**
 * Marks a prepared row as already claimed by the request that inserts it, which attempts delivery
 * right after its batch: that first attempt needs no claim round trip. If the request dies before
 * sending, the lease expires and the cron takes the row over, as after any crashed sender.
 */
export function claimedAtInsert<T extends OutboxInsert | null>(row: T, now: number): T {
  return row && { ...row, status: "sending", leaseUntil: now + LEASE_MS, attempts: 1 };
}

/** The stored form of an inserted row (column defaults filled in): delivered without reading it back. */
export function insertedRow(r: OutboxInsert): OutboxRow {
  return {
    id: r.id,
    tenantId: r.tenantId,
    clientId: r.clientId,
    userId: r.userId ?? null,
    resetRequestId: r.resetRequestId ?? null,
    channel: r.channel ?? "email",
    template: r.template,
    status: r.status,
    payload: r.payload ?? null,
    attempts: r.attempts ?? 0,
    nextAttemptAt: r.nextAttemptAt,
    leaseUntil: r.leaseUntil ?? null,
    expiresAt: r.expiresAt ?? null,
    lastError: r.lastError ?? null,
    provider: r.provider ?? null,
    providerMessageId: r.providerMessageId ?? null,
    createdAt: r.createdAt,
    sentAt: r.sentAt ?? null,
  };
}

/** Insert statement for a queued message (usable inside a batch). */
export const insertOutbox = (db: Db, row: OutboxInsert) => db.insert(emailOutbox).values(row);

const due = (now: number) =>
  or(
    and(eq(emailOutbox.status, "queued"), lte(emailOutbox.nextAttemptAt, now)),
    and(eq(emailOutbox.status, "sending"), lt(emailOutbox.leaseUntil, now)),
  );

/** Atomically takes a due row for sending (one UPDATE: two concurrent senders cannot both win). */
export async function claimOutbox(db: Db, id: string, now: number): Promise<OutboxRow | null> {
  const row = await db
    .update(emailOutbox)
    .set({ status: "sending", leaseUntil: now + LEASE_MS, attempts: sql`${emailOutbox.attempts} + 1` })
    .where(and(eq(emailOutbox.id, id), due(now)))
    .returning()
    .get();
  return row ?? null;
}

/** Ids of rows due for an attempt, oldest first, bounded. */
export async function dueOutboxIds(db: Db, now: number, limit: number): Promise<string[]> {
  const rows = await db
    .select({ id: emailOutbox.id })
    .from(emailOutbox)
    .where(due(now))
    .orderBy(emailOutbox.nextAttemptAt)
    .limit(limit)
    .all();
  return rows.map((r) => r.id);
}

/** Records the outcome of an attempt; only the current claim holder (status "sending") may write it. */
export const finishOutbox = (db: Db, id: string, patch: Partial<OutboxInsert>) =>
  db.update(emailOutbox).set(patch).where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, "sending")));

/** Outbox statuses an operator can filter on. */
export const OUTBOX_STATUSES = ["queued", "sending", "sent", "failed", "dead", "dropped"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** One page of rows, newest first; the cursor is the (createdAt, id) of the last row of the previous page. */
export async function listOutbox(
  db: Db,
  q: { tenantId: string | null; status?: OutboxStatus; after?: { createdAt: number; id: string }; limit: number },
): Promise<OutboxRow[]> {
  const c = emailOutbox;
  const after = q.after
    ? or(lt(c.createdAt, q.after.createdAt), and(eq(c.createdAt, q.after.createdAt), lt(c.id, q.after.id)))
    : undefined;
  return db
    .select()
    .from(c)
    .where(and(q.tenantId !== null ? eq(c.tenantId, q.tenantId) : undefined, q.status ? eq(c.status, q.status) : undefined, after))
    .orderBy(desc(c.createdAt), desc(c.id))
    .limit(q.limit)
    .all();
}

/** A row by id, within a tenant unless `tenantId` is null (root). */
export async function findOutbox(db: Db, id: string, tenantId: string | null): Promise<OutboxRow | null> {
  const scope = tenantId !== null ? eq(emailOutbox.tenantId, tenantId) : undefined;
  return (await db.select().from(emailOutbox).where(and(eq(emailOutbox.id, id), scope)).get()) ?? null;
}

/** Makes a queued (backing-off) row due now; false when it is no longer queued. */
export async function pullForward(db: Db, id: string, now: number): Promise<boolean> {
  const res = await db
    .update(emailOutbox)
    .set({ nextAttemptAt: now })
    .where(and(eq(emailOutbox.id, id), eq(emailOutbox.status, "queued")))
    .run();
  return res.meta.changes === 1;
}

async function purgeWhere(db: Db, where: SQL | undefined, limit: number): Promise<number> {
  const ids = db.select({ id: emailOutbox.id }).from(emailOutbox).where(where).limit(limit);
  return (await db.delete(emailOutbox).where(inArray(emailOutbox.id, ids)).run()).meta.changes;
}

/**
 * Deletes, at most `limit` each, sent/dropped rows created before `delivered` and failed/dead rows
 * (the operator's evidence, kept as long as the audit trail) created before `final`. Payloads are
 * already wiped in all four states.
 */
export async function purgeOutbox(db: Db, before: { delivered: number; final: number }, limit: number): Promise<number> {
  const c = emailOutbox;
  return (
    (await purgeWhere(db, and(inArray(c.status, ["sent", "dropped"]), lt(c.createdAt, before.delivered)), limit)) +
    (await purgeWhere(db, and(inArray(c.status, ["failed", "dead"]), lt(c.createdAt, before.final)), limit))
  );
}
