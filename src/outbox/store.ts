import { and, desc, eq, inArray, isNotNull, lt, lte, or, type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Db } from "../db/client";
import { guardedInsert } from "../db/guarded";
import { olderThan, placeholders, prebuiltByShape } from "../db/raw";
import { outbox } from "../db/schema";
import { isSuppressed } from "../db/suppressions";
import type { Cursor } from "../domain/pagination";

// The outbox table: one row per message (channel "email") or webhook delivery (channel "webhook"),
// written in the same batch as what it announces, claimed by one sender at a time, finished once.

export type OutboxRow = typeof outbox.$inferSelect;
export type OutboxInsert = typeof outbox.$inferInsert;

/** How long a sender owns a claimed row before another run may take it over (crash recovery). */
export const LEASE_MS = 60_000;

/** Outbox statuses an operator can filter on. */
export const OUTBOX_STATUSES = ["queued", "sending", "sent", "failed", "dead", "dropped", "suppressed"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Marks a prepared row as already claimed by the request that inserts it, which attempts delivery
 * right after its batch: that first attempt needs no claim round trip. If the request dies before
 * sending, the lease expires and the cron takes the row over, as after any crashed sender.
 */
export function claimedAtInsert(row: OutboxInsert, now: number): OutboxInsert {
  return { ...row, status: "sending", leaseUntil: now + LEASE_MS, attempts: 1 };
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
    toHash: r.toHash ?? null,
    providerEvent: r.providerEvent ?? null,
    providerEventAt: r.providerEventAt ?? null,
    createdAt: r.createdAt,
    sentAt: r.sentAt ?? null,
  };
}

/** Insert statement for a row (batch item); guarded when the batch has a winner to respect. */
export const insertOutbox = (db: Db, row: OutboxInsert, guard?: SQL) =>
  guard ? guardedInsert(db, outbox, row, guard) : db.insert(outbox).values(row);

/**
 * Insert statement of a row claimed at insert (claimedAtInsert): an email whose recipient is
 * suppressed goes in as "suppressed" (payload wiped) instead, decided by the insert itself, so
 * the check costs no round trip. RETURNING id, status tells the sender which rows to attempt.
 */
export function insertClaimedOutbox(db: Db, row: OutboxInsert, guard?: SQL) {
  if (guard) return buildClaimed(db, row, guard, !!row.toHash);
  // Without a guard (every email and webhook a request sends): built once per isolate per shape
  // (values bound as they are: the outbox has no boolean or JSON-mode column to encode).
  return claimed(db, { ...row, $suppressible: row.toHash ? 1 : undefined });
}

const buildClaimed = (db: Db, row: OutboxInsert, guard: SQL, suppressible: boolean) => {
  const s = suppressible ? isSuppressed(row.toHash, row.tenantId) : sql`0`;
  const values = { ...row, ...sendingUnless(s, sql`${row.payload}`) } as unknown as OutboxInsert;
  return guardedInsert(db, outbox, values, guard, { returning: "id, status" });
};
const claimed = prebuiltByShape<ReturnType<typeof buildClaimed>, OutboxInsert & { $suppressible?: 1 }>(
  (db, keys) =>
    buildClaimed(
      db,
      placeholders(keys.filter((k) => k !== "$suppressible")) as unknown as OutboxInsert,
      sql`1`,
      keys.includes("$suppressible"),
    ),
  (db, { $suppressible, ...row }) => buildClaimed(db, row, sql`1`, $suppressible === 1),
);

/** "sending" with its payload, or "suppressed" with none when `suppressed` holds (SQL values). */
const sendingUnless = (suppressed: SQL, payload: SQL) => ({
  status: sql`CASE WHEN ${suppressed} THEN 'suppressed' ELSE 'sending' END`,
  payload: sql`CASE WHEN ${suppressed} THEN NULL ELSE ${payload} END`,
});

/** Ids of the rows a batch inserted ready to send (the `results` of insertClaimedOutbox statements). */
export const insertedForSending = (results: unknown[]): Set<string> =>
  new Set(
    results.flatMap((r) =>
      ((r as { results?: { id: string; status: string }[] } | null)?.results ?? [])
        .filter((x) => x.status === "sending")
        .map((x) => x.id),
    ),
  );

const due = (now: number) =>
  or(
    and(eq(outbox.status, "queued"), lte(outbox.nextAttemptAt, now)),
    and(eq(outbox.status, "sending"), lt(outbox.leaseUntil, now)),
  );

/**
 * Atomically takes a due row for sending (one UPDATE: two concurrent senders cannot both win). An
 * email whose recipient was suppressed since it was queued becomes "suppressed" instead (same UPDATE).
 */
export async function claimOutbox(db: Db, id: string, now: number): Promise<OutboxRow | null> {
  const s = isSuppressed(outbox.toHash, outbox.tenantId);
  const row = await db
    .update(outbox)
    .set({
      ...sendingUnless(s, sql`${outbox.payload}`),
      leaseUntil: now + LEASE_MS,
      attempts: sql`${outbox.attempts} + 1`,
    })
    .where(and(eq(outbox.id, id), due(now)))
    .returning()
    .get();
  return row ?? null;
}

// Due rows of one channel dealt round-robin across tenants: every tenant's oldest due row, then
// every tenant's second, ... So one tenant's backlog (a webhook receiver down for a day) delays
// the others by at most one row per tenant and run.
const FAIR_DUE = `SELECT id FROM (
  SELECT id, next_attempt_at, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY next_attempt_at, id) AS turn
  FROM outbox
  WHERE channel = ?1 AND ((status = 'queued' AND next_attempt_at <= ?2) OR (status = 'sending' AND lease_until < ?2))
) ORDER BY turn, next_attempt_at, id LIMIT ?3`;

/**
 * Ids of due rows per channel (each its own budget, so webhooks never take emails' turns), each
 * channel shared fairly between tenants; one D1 call.
 */
export async function dueOutboxFair(
  db: Db,
  now: number,
  budget: { email: number; webhook: number },
): Promise<string[]> {
  const channels = (["email", "webhook"] as const).filter((ch) => budget[ch] > 0);
  if (!channels.length) return [];
  const results = await db.$client.batch<{ id: string }>(
    channels.map((ch) => db.$client.prepare(FAIR_DUE).bind(ch, now, budget[ch])),
  );
  return results.flatMap((r) => r.results.map((x) => x.id));
}

/** Records the outcome of an attempt; only the current claim holder (status "sending") may write it. */
export const finishOutbox = (db: Db, id: string, patch: Partial<OutboxInsert>) => finish(db, { ...patch, $id: id });

const buildFinish = (db: Db, id: string | Placeholder, patch: Partial<OutboxInsert>) =>
  db
    .update(outbox)
    .set(patch)
    .where(and(eq(outbox.id, id), eq(outbox.status, "sending")));
// Built once per isolate per set of fields (each delivery's outcome is one of a handful).
const finish = prebuiltByShape<ReturnType<typeof buildFinish>, Partial<OutboxInsert> & { $id: string }>(
  (db, keys) => buildFinish(db, sql.placeholder("$id"), placeholders(keys.filter((k) => k !== "$id"))),
  (db, { $id, ...patch }) => buildFinish(db, $id, patch),
);

/** One page of rows, newest first, keyset-paginated on (createdAt, id). */
export async function listOutbox(
  db: Db,
  q: { tenantId: string | null; status?: OutboxStatus; after?: Cursor; limit: number },
): Promise<OutboxRow[]> {
  const c = outbox;
  const after = olderThan(c, q.after);
  return db
    .select()
    .from(c)
    .where(
      and(
        q.tenantId !== null ? eq(c.tenantId, q.tenantId) : undefined,
        q.status ? eq(c.status, q.status) : undefined,
        after,
      ),
    )
    .orderBy(desc(c.createdAt), desc(c.id))
    .limit(q.limit)
    .all();
}

/** A row by id, within a tenant unless `tenantId` is null (root). */
export async function findOutbox(db: Db, id: string, tenantId: string | null): Promise<OutboxRow | null> {
  const scope = tenantId !== null ? eq(outbox.tenantId, tenantId) : undefined;
  return (
    (await db
      .select()
      .from(outbox)
      .where(and(eq(outbox.id, id), scope))
      .get()) ?? null
  );
}

/** Makes a queued (backing-off) row due now; false when it is no longer queued. */
export async function pullForward(db: Db, id: string, now: number): Promise<boolean> {
  const res = await db
    .update(outbox)
    .set({ nextAttemptAt: now })
    .where(and(eq(outbox.id, id), eq(outbox.status, "queued")))
    .run();
  return res.meta.changes === 1;
}

/**
 * Drops a user's queued rows (batch item): used when the user is deleted, so no email or webhook
 * about them goes out afterwards. The payload is wiped like any finished row's.
 */
export const dropQueuedForUser = (db: Db, userId: string) =>
  db
    .update(outbox)
    .set({ status: "dropped", payload: null, lastError: "user deleted" })
    .where(and(eq(outbox.userId, userId), eq(outbox.status, "queued")));

/** Drops a client's queued reset emails and webhooks (batch item); "password changed" notices still go. */
export const dropQueuedForClient = (db: Db, clientId: string) =>
  db
    .update(outbox)
    .set({ status: "dropped", payload: null, lastError: "client deleted" })
    .where(
      and(
        eq(outbox.clientId, clientId),
        eq(outbox.status, "queued"),
        or(isNotNull(outbox.resetRequestId), eq(outbox.channel, "webhook")),
      ),
    );

async function purgeWhere(db: Db, where: SQL | undefined, limit: number): Promise<number> {
  const ids = db.select({ id: outbox.id }).from(outbox).where(where).limit(limit);
  return (await db.delete(outbox).where(inArray(outbox.id, ids)).run()).meta.changes;
}

/**
 * Deletes, at most `limit` each, sent/dropped/suppressed rows created before `delivered` and failed/dead rows
 * (the operator's evidence, kept as long as the audit trail) created before `final`. Payloads are
 * already wiped in all four states.
 */
export async function purgeOutbox(
  db: Db,
  before: { delivered: number; final: number },
  limit: number,
): Promise<number> {
  const c = outbox;
  return (
    (await purgeWhere(
      db,
      and(inArray(c.status, ["sent", "dropped", "suppressed"]), lt(c.createdAt, before.delivered)),
      limit,
    )) + (await purgeWhere(db, and(inArray(c.status, ["failed", "dead"]), lt(c.createdAt, before.final)), limit))
  );
}
