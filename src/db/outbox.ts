import { and, eq, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { emailOutbox } from "./schema";

export type OutboxRow = typeof emailOutbox.$inferSelect;
export type OutboxInsert = typeof emailOutbox.$inferInsert;

/** How long a sender owns a claimed row before another run may take it over (crash recovery). */
export const LEASE_MS = 60_000;

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
