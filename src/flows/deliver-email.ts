import type { Deps } from "../deps";
import { logEvent } from "../deps";
import { auditRow, insertAudit } from "../db/audit";
import { claimOutbox, dueOutboxIds, finishOutbox, type OutboxRow, insertedRow, type OutboxInsert } from "../db/outbox";
import { open } from "../crypto/envelope";
import { MAX_ATTEMPTS } from "../mail/config";
import type { Mailer, OutgoingEmail, SendResult } from "../mail/mailer";

export { MAX_ATTEMPTS };
import { deliverWebhook } from "./deliver-webhook";
import { emailFailedWebhook } from "./webhooks";

const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;

/**
 * Rows one cron run attempts. Each costs 1 provider call (fetch, or the send_email binding) and
 * 2 D1 calls (the claim UPDATE, then one batch with the outcome and its audit event); the run adds
 * 1 SELECT of due ids and 5 purge calls (run-maintenance). 25 rows = 25 fetches and 1 + 50 + 5 = 56 D1
 * calls: within the Free plan's 50 fetch subrequests and 1,000 Cloudflare-service calls per
 * invocation (Paid allows 10,000 subrequests). Worst case wall time, every call timing out:
 * 25 x 10 s, far below the 15-minute limit of a Cron Trigger.
 */
export const OUTBOX_BATCH = 25;

/** Exponential backoff with jitter (50–100 % of the capped step), never sooner than Retry-After. */
export function backoffMs(attempts: number, retryAfterSeconds?: number, random = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(step * (0.5 + random() / 2));
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}

/** The provider for this attempt: the fallback once the row switched to it (and it is still configured). */
function mailerFor(deps: Deps, row: OutboxRow): Mailer {
  return deps.fallbackMailer && row.provider === deps.fallbackMailer.name ? deps.fallbackMailer : deps.mailer;
}

/**
 * Sends one outbox row at most once: the claim is a single conditional UPDATE, the provider gets the
 * row id as idempotency key (a crash between send and mark re-sends with the same key), and the
 * payload is wiped as soon as the row reaches a final state. After MAIL_FALLBACK_AFTER retryable
 * failures the row switches to the fallback provider for its remaining attempts.
 */
export async function deliverEmail(deps: Deps, id: string, claimed?: OutboxRow): Promise<void> {
  const { db } = deps;
  const now = deps.now();
  // `claimed`: the row was inserted already claimed by this request (claimedAtInsert).
  const row = claimed ?? (await claimOutbox(db, id, now));
  if (!row) return;
  // Webhook rows share the claim, lease and backoff of emails; only the sending differs.
  if (row.channel === "webhook") return deliverWebhook(deps, row);
  const audit = (type: string, data: Record<string, unknown>) =>
    insertAudit(db, auditRow(deps.meta, deps.now(), { type, tenantId: row.tenantId, clientId: row.clientId, userId: row.userId, data: { messageId: row.id, template: row.template, ...data } }));

  if (row.expiresAt !== null && row.expiresAt <= now) {
    await db.batch([finishOutbox(db, id, { status: "dropped", payload: null, leaseUntil: null }), audit("email.dropped", { reason: "token_expired" })]);
    return;
  }
  const mailer = mailerFor(deps, row);
  const provider = mailer.name;
  let result: SendResult;
  try {
    const message = await open<OutgoingEmail>(deps.config.keys.outbox, row.payload ?? "", row.id);
    result = await mailer.send(message, row.id);
  } catch (e) {
    result = { status: "retryable", error: e instanceof Error ? e.name : "error" };
  }
  const done = deps.now();
  logEvent({ msg: "outbox attempt", requestId: deps.meta.requestId, messageId: row.id, provider, attempt: row.attempts, outcome: result.status });
  if (result.status === "sent") {
    await db.batch([
      finishOutbox(db, id, { status: "sent", payload: null, sentAt: done, leaseUntil: null, provider, providerMessageId: result.providerMessageId ?? null, lastError: null }),
      audit("email.sent", { provider, attempts: row.attempts }),
    ]);
  } else if (result.status === "permanent") {
    await db.batch([
      finishOutbox(db, id, { status: "failed", payload: null, leaseUntil: null, provider, lastError: result.error }),
      audit("email.failed", { provider, error: result.error }),
      ...(await emailFailedWebhook(deps, row, result.error)),
    ]);
  } else if (row.attempts >= MAX_ATTEMPTS) {
    await db.batch([
      finishOutbox(db, id, { status: "dead", payload: null, leaseUntil: null, provider, lastError: result.error }),
      audit("email.dead", { provider, attempts: row.attempts, error: result.error }),
      ...(await emailFailedWebhook(deps, row, result.error)),
    ]);
  } else {
    const fallback = deps.fallbackMailer;
    // Same idempotency key on the fallback, but keys do not cross providers: a primary timeout that
    // in fact delivered can be followed by a second copy (same content and token). Delivery wins.
    const switchNow = fallback !== null && mailer !== fallback && row.attempts >= (deps.config.mailFallback?.after ?? MAX_ATTEMPTS);
    const next = finishOutbox(db, id, {
      status: "queued",
      leaseUntil: null,
      lastError: result.error,
      provider: switchNow ? fallback.name : provider,
      nextAttemptAt: done + (switchNow ? 0 : backoffMs(row.attempts, result.retryAfterSeconds)),
    });
    if (switchNow) await db.batch([next, audit("email.provider_switched", { from: provider, to: fallback.name, attempts: row.attempts, error: result.error })]);
    else await next.run();
  }
}

/** After the batch that inserted them (claimed, see claimedAtInsert): first delivery attempts, post-response. */
export function deliverClaimed(deps: Deps, rows: (OutboxInsert | null)[]): void {
  for (const r of rows) if (r) deps.defer(deliverEmail(deps, r.id, insertedRow(r)));
}

/** Cron: delivers due rows, oldest first, at most OUTBOX_BATCH per run (see the subrequest arithmetic above). */
export async function processOutbox(deps: Deps, limit = OUTBOX_BATCH): Promise<number> {
  const ids = await dueOutboxIds(deps.db, deps.now(), limit);
  for (const id of ids) await deliverEmail(deps, id);
  return ids.length;
}
