import { MAX_ATTEMPTS } from "../config/mail";
import { auditRow, insertAudit } from "../db/audit";
import type { Deps } from "../deps";
import { logEvent } from "../log";
import { backoffMs } from "./backoff";
import { emailChannel } from "./channels/email";
import type { Channel, Outcome } from "./channels/types";
import { webhookChannel } from "./channels/webhook";
import { claimOutbox, dueOutboxFair, finishOutbox, LEASE_MS, type OutboxRow } from "./store";

const CHANNELS: Record<string, Channel> = { email: emailChannel, webhook: webhookChannel };

/**
 * Rows one cron run attempts by default: OUTBOX_BATCH emails and OUTBOX_WEBHOOK_BATCH webhooks,
 * each channel shared round-robin between tenants (src/outbox/store.ts). Each row costs 1 provider
 * call (fetch, or the send_email binding) and 2 D1 calls (the claim UPDATE, then one batch with the
 * outcome and its audit event; +1 read when a given-up email announces itself by webhook, and +1
 * for a request endpoint's email whose sender died before any outcome: src/outbox/reset-email.ts); a run
 * adds 1 D1 call selecting the due ids, 6 purges and, once an hour, 1 floor check (run-maintenance).
 * Defaults: 25 + 10 = 35 fetches and 1 + 70 + 6 (+1) = 77 D1 calls, within the Free plan's 50
 * subrequests and 1,000 Cloudflare-service calls per invocation (Paid: 10,000 subrequests). Rows go
 * out DELIVERY_CONCURRENCY at a time (Workers allow 6 open connections per invocation): worst case,
 * every call timing out, ceil(35 / 5) x 10 s = 70 s, far below the 15-minute limit of a Cron Trigger.
 */
export { OUTBOX_BATCH, OUTBOX_WEBHOOK_BATCH } from "../config/outbox";
/** Rows in flight at once in a cron run. */
export const DELIVERY_CONCURRENCY = 5;

/**
 * Attempts one outbox row, by one sender at a time, whatever its channel: the claim is a single conditional
 * UPDATE (or the row was inserted already claimed: `claimed`), the outcome is written only by the
 * claim holder, and the payload is wiped as soon as the row reaches a final state — sent, failed
 * (the receiver said never), dead (MAX_ATTEMPTS spent) or dropped (its token expired, or nowhere to
 * send it). Retryable failures go back to the queue with exponential backoff; whether such a retry
 * can deliver a second copy is the provider's (Mailer.idempotencyWindowMs, README per provider).
 * The request's own first attempt (`claimed`) first retries in place after each OUTBOX_QUICK_RETRIES
 * wait (1 s, then 3 s), so a brief fault costs the user seconds, not the next cron run.
 */
export async function deliver(deps: Deps, id: string, claimed?: OutboxRow): Promise<void> {
  const waits = claimed ? deps.config.outboxQuickRetries : [];
  let row = claimed ?? (await claimOutbox(deps.db, id, deps.now()));
  // The claim found the recipient suppressed and finished the row itself.
  if (row?.status === "suppressed") return;
  for (let i = 0; row; i++) {
    row = await attempt(deps, row, waits[i]);
    if (row) await scheduler.wait(waits[i]!);
  }
}

/**
 * One attempt and its outcome. With `wait` (a quick retry left) a retryable failure keeps the claim
 * instead: the lease outlasts the wait, the next attempt is counted now (as a claim counts it), and
 * the row to attempt after the wait is returned. A Retry-After longer than the wait goes to the cron.
 */
async function attempt(deps: Deps, row: OutboxRow, wait?: number): Promise<OutboxRow | null> {
  const { db } = deps;
  const id = row.id;
  const channel = CHANNELS[row.channel] ?? emailChannel;
  const audit = (event: string, data: Record<string, unknown>) =>
    insertAudit(
      db,
      auditRow(deps.meta, deps.now(), {
        type: `${channel.name}.${event}`,
        tenantId: row.tenantId,
        clientId: row.clientId,
        userId: row.userId,
        data: { ...channel.label(row), ...data },
      }),
    );
  const drop = (reason: string) =>
    db.batch([
      finishOutbox(db, id, { status: "dropped", payload: null, leaseUntil: null }),
      audit("dropped", { reason }),
    ]);

  if (row.expiresAt !== null && row.expiresAt <= deps.now()) {
    await drop("token_expired");
    return null;
  }
  const provider = channel.provider?.(deps, row);
  let outcome: Outcome;
  try {
    outcome = await channel.send(deps, row, provider);
  } catch (e) {
    outcome = { status: "retryable", error: e instanceof Error ? e.name : "error" };
  }
  const done = deps.now();
  // A delivered row is on the outbox and the audit trail: its line only with LOG_REQUESTS=all.
  if (outcome.status !== "sent" || deps.config.logRequests === "all")
    logEvent({
      msg: "outbox attempt",
      requestId: deps.meta.requestId,
      channel: channel.name,
      id: row.id,
      provider,
      attempt: row.attempts,
      outcome: outcome.status,
    });
  const by = provider ? { provider } : {};

  if (outcome.status === "dropped") {
    await drop(outcome.reason);
  } else if (outcome.status === "sent") {
    await db.batch([
      finishOutbox(db, id, {
        status: "sent",
        payload: null,
        sentAt: done,
        leaseUntil: null,
        ...by,
        providerMessageId: outcome.providerMessageId ?? null,
        lastError: null,
      }),
      audit("sent", { ...by, attempts: row.attempts }),
    ]);
  } else if (outcome.status === "permanent" || row.attempts >= MAX_ATTEMPTS) {
    const status = outcome.status === "permanent" ? "failed" : "dead";
    await db.batch([
      finishOutbox(db, id, { status, payload: null, leaseUntil: null, ...by, lastError: outcome.error }),
      audit(status, { ...by, attempts: row.attempts, error: outcome.error }),
      ...((await channel.onGiveUp?.(deps, row, outcome.error)) ?? []),
    ]);
  } else {
    const next = channel.switchProvider?.(deps, row, provider) ?? null;
    const via = next ? { provider: next } : by;
    const keep = wait !== undefined && (outcome.retryAfterSeconds ?? 0) * 1000 <= wait;
    // A channel may hand the row a new payload for its retries (an email composed from its secrets).
    const payload = "payload" in outcome && outcome.payload ? { payload: outcome.payload } : {};
    const held = {
      ...via,
      ...payload,
      lastError: outcome.error,
      leaseUntil: done + (wait ?? 0) + LEASE_MS,
      attempts: row.attempts + 1,
    };
    const update = finishOutbox(
      db,
      id,
      keep
        ? held
        : {
            ...via,
            ...payload,
            status: "queued",
            leaseUntil: null,
            lastError: outcome.error,
            nextAttemptAt: done + (next ? 0 : backoffMs(row.attempts, outcome.retryAfterSeconds)),
          },
    );
    if (next)
      await db.batch([
        update,
        audit("provider_switched", { from: provider, to: next, attempts: row.attempts, error: outcome.error }),
      ]);
    else await update.run();
    return keep ? { ...row, ...held } : null;
  }
  return null;
}

/** Cron: delivers the run's due rows (see the subrequest arithmetic above), DELIVERY_CONCURRENCY at a time. */
export async function processOutbox(deps: Deps): Promise<number> {
  const { outboxBatch, outboxWebhookBatch } = deps.config;
  const ids = await dueOutboxFair(deps.db, deps.now(), { email: outboxBatch, webhook: outboxWebhookBatch });
  let next = 0;
  const lane = async () => {
    while (next < ids.length) await deliver(deps, ids[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(DELIVERY_CONCURRENCY, ids.length) }, lane));
  return ids.length;
}
