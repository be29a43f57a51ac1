import type { SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { afterResponse, type Deps } from "../deps";
import { deliver } from "./deliver";
import { claimedAtInsert, insertedRow, insertOutbox, type OutboxInsert } from "./store";

/** Outbox rows ready for the caller's batch, and the send that follows its commit. */
export interface Queued {
  /** Insert statements for the caller's D1 batch (guarded when the batch has a winner to respect). */
  statements: BatchItem<"sqlite">[];
  /** After the batch committed: the first delivery attempt of each row, after the response. */
  send(): void;
}

/**
 * Queues composed rows (nulls are skipped: a client without a webhook URL, say). They are inserted
 * already claimed by this request, which attempts them right after its batch: no claim round trip,
 * and a request that dies before sending leaves a lease the cron takes over.
 */
export function enqueue(deps: Deps, rows: (OutboxInsert | null)[], opts: { guard?: SQL } = {}): Queued {
  const now = deps.now();
  const claimed = rows.filter((r): r is OutboxInsert => r !== null).map((r) => claimedAtInsert(r, now));
  return {
    statements: claimed.map((r) => insertOutbox(deps.db, r, opts.guard)),
    send: () => {
      for (const r of claimed) afterResponse(deps, () => deliver(deps, r.id, insertedRow(r)));
    },
  };
}
