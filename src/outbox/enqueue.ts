import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { afterResponse, type Deps } from "../deps";
import { deliver } from "./deliver";
import { claimedAtInsert, insertClaimedOutbox, insertedForSending, insertedRow, type OutboxInsert } from "./store";

/** Outbox rows ready for the caller's batch, and the send that follows its commit. */
export interface Queued {
  /** Insert statements for the caller's D1 batch (guarded when the batch has a winner to respect). */
  statements: BatchItem<"sqlite">[];
  /**
   * After the batch committed, with its results: the first delivery attempt of each row it
   * inserted as "sending" (not suppressed, not stopped by the guard), after the response.
   */
  send(results: unknown[]): void;
}

/**
 * Queues composed rows (nulls are skipped: a client without a webhook URL, say). They are inserted
 * already claimed by this request, which attempts them right after its batch: no claim round trip,
 * and a request that dies before sending leaves a lease the cron takes over. The suppression list
 * is checked by the insert itself (src/outbox/store.ts insertClaimedOutbox): every email kind goes
 * through here, and the check adds no round trip to the caller's batch.
 */
export function enqueue(deps: Deps, rows: (OutboxInsert | null)[], opts: { guard?: SQL } = {}): Queued {
  const now = deps.now();
  const claimed = rows.filter((r): r is OutboxInsert => r !== null).map((r) => claimedAtInsert(r, now));
  return {
    statements: claimed.map((r) => insertClaimedOutbox(deps.db, r, opts.guard)),
    send: (results) => {
      const sending = insertedForSending(results);
      for (const r of claimed) if (sending.has(r.id)) afterResponse(deps, () => deliver(deps, r.id, insertedRow(r)));
    },
  };
}
