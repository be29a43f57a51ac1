import type { Deps } from "../deps";
import { logEvent } from "../deps";
import { auditRow, insertAudit } from "../db/audit";
import { claimOutbox, dueOutboxIds, finishOutbox } from "../db/outbox";
import { open } from "../crypto/envelope";
import type { OutgoingEmail, SendResult } from "../mail/mailer";
import { deliverWebhook } from "./deliver-webhook";
import { emailFailedWebhook } from "./webhooks";

/** Attempts after which a message is dead (kept without payload, audited). */
export const MAX_ATTEMPTS = 8;
const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;

/** Exponential backoff with jitter (50–100 % of the capped step), never sooner than Retry-After. */
export function backoffMs(attempts: number, retryAfterSeconds?: number, random = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(step * (0.5 + random() / 2));
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

/**
 * Sends one outbox row at most once: the claim is a single conditional UPDATE, the provider gets the
 * row id as idempotency key (a crash between send and mark re-sends with the same key), and the
 * payload is wiped as soon as the row reaches a final state.
 */
export async function deliverEmail(deps: Deps, id: string): Promise<void> {
  const { db } = deps;
  const now = deps.now();
  const row = await claimOutbox(db, id, now);
  if (!row) return;
  // Webhook rows share the claim, lease and backoff of emails; only the sending differs.
  if (row.channel === "webhook") return deliverWebhook(deps, row);
  const audit = (type: string, data: Record<string, unknown>) =>
    insertAudit(db, auditRow(deps.meta, deps.now(), { type, tenantId: row.tenantId, clientId: row.clientId, userId: row.userId, data: { messageId: row.id, template: row.template, ...data } }));

  if (row.expiresAt !== null && row.expiresAt <= now) {
    await db.batch([finishOutbox(db, id, { status: "dropped", payload: null, leaseUntil: null }), audit("email.dropped", { reason: "token_expired" })]);
    return;
  }
  let result: SendResult;
  try {
    const message = await open<OutgoingEmail>(deps.config.keys.outbox, row.payload ?? "", row.id);
    result = await deps.mailer.send(message, row.id);
  } catch (e) {
    result = { status: "retryable", error: e instanceof Error ? e.name : "error" };
  }
  const done = deps.now();
  logEvent({ msg: "outbox attempt", requestId: deps.meta.requestId, messageId: row.id, provider: deps.mailer.name, attempt: row.attempts, outcome: result.status });
  if (result.status === "sent") {
    await db.batch([
      finishOutbox(db, id, { status: "sent", payload: null, sentAt: done, leaseUntil: null, providerMessageId: result.providerMessageId ?? null, lastError: null }),
      audit("email.sent", { provider: deps.mailer.name, attempts: row.attempts }),
    ]);
  } else if (result.status === "permanent") {
    await db.batch([
      finishOutbox(db, id, { status: "failed", payload: null, leaseUntil: null, lastError: result.error }),
      audit("email.failed", { provider: deps.mailer.name, error: result.error }),
      ...(await emailFailedWebhook(deps, row, result.error)),
    ]);
  } else if (row.attempts >= MAX_ATTEMPTS) {
    await db.batch([
      finishOutbox(db, id, { status: "dead", payload: null, leaseUntil: null, lastError: result.error }),
      audit("email.dead", { provider: deps.mailer.name, attempts: row.attempts, error: result.error }),
      ...(await emailFailedWebhook(deps, row, result.error)),
    ]);
  } else {
    await finishOutbox(db, id, {
      status: "queued",
      leaseUntil: null,
      lastError: result.error,
      nextAttemptAt: done + backoffMs(row.attempts, result.retryAfterSeconds),
    }).run();
  }
}

/** Cron: delivers due rows in a bounded batch (stays far below the Workers subrequest limit). */
export async function processOutbox(deps: Deps, limit = 10): Promise<number> {
  const ids = await dueOutboxIds(deps.db, deps.now(), limit);
  for (const id of ids) await deliverEmail(deps, id);
  return ids.length;
}
