import type { Deps } from "../deps";
import { logEvent } from "../deps";
import { auditRow, insertAudit } from "../db/audit";
import { findWebhookTarget } from "../db/clients";
import { finishOutbox, type OutboxRow } from "../db/outbox";
import { open } from "../crypto/envelope";
import { backoffMs, MAX_ATTEMPTS } from "./deliver-email";
import { signWebhook } from "./webhooks";

/** A receiver must answer within this time, or the attempt counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 5_000;

type Outcome = { status: "sent" } | { status: "retryable" | "permanent"; error: string; retryAfterSeconds?: number };

async function post(url: string, body: string, headers: Record<string, string>): Promise<Outcome> {
  try {
    const res = await fetch(url, { method: "POST", body, headers, redirect: "manual", signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
    await res.body?.cancel();
    if (res.status >= 200 && res.status < 300) return { status: "sent" };
    const error = `HTTP ${res.status}`;
    // Redirects are not followed (the URL is the contract) and 4xx means "never": both are final,
    // except for the statuses that mean "not now".
    if (res.status < 500 && ![408, 409, 425, 429].includes(res.status)) return { status: "permanent", error };
    const ra = Number(res.headers.get("Retry-After"));
    return { status: "retryable", error, retryAfterSeconds: Number.isFinite(ra) && ra > 0 ? ra : undefined };
  } catch (e) {
    const name = (e as { name?: string }).name;
    return { status: "retryable", error: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network error" };
  }
}

/**
 * Sends one claimed webhook row (the caller did the claim, as for emails): signs the body with the
 * client's current secret and POSTs it to the client's current URL, with the same backoff and
 * attempt limit as emails. Webhook failures are audited but never produce further webhooks.
 */
export async function deliverWebhook(deps: Deps, row: OutboxRow): Promise<void> {
  const { db } = deps;
  const audit = (type: string, data: Record<string, unknown>) =>
    insertAudit(db, auditRow(deps.meta, deps.now(), { type, tenantId: row.tenantId, clientId: row.clientId, userId: row.userId, data: { deliveryId: row.id, event: row.template, ...data } }));
  const target = await findWebhookTarget(db, row.clientId);
  if (!target?.url || !target.sealedSecret) {
    await db.batch([finishOutbox(db, row.id, { status: "dropped", payload: null, leaseUntil: null }), audit("webhook.dropped", { reason: "no_webhook_url" })]);
    return;
  }
  let result: Outcome;
  try {
    const body = await open<string>(deps.config.keys.outbox, row.payload ?? "", row.id);
    const secret = await open<string>(deps.config.keys.outbox, target.sealedSecret, `whsec:${row.clientId}`);
    const headers = {
      "Content-Type": "application/json",
      "User-Agent": "resetkit-webhooks",
      "Webhook-Id": row.id,
      "Webhook-Signature": await signWebhook(secret, body, Math.floor(deps.now() / 1000)),
    };
    result = await post(target.url, body, headers);
  } catch (e) {
    result = { status: "retryable", error: e instanceof Error ? e.name : "error" };
  }
  logEvent({ msg: "webhook attempt", requestId: deps.meta.requestId, deliveryId: row.id, attempt: row.attempts, outcome: result.status });
  const done = deps.now();
  if (result.status === "sent") {
    await db.batch([finishOutbox(db, row.id, { status: "sent", payload: null, sentAt: done, leaseUntil: null, lastError: null }), audit("webhook.sent", { attempts: row.attempts })]);
  } else if (result.status === "permanent" || row.attempts >= MAX_ATTEMPTS) {
    const status = result.status === "permanent" ? "failed" : "dead";
    await db.batch([finishOutbox(db, row.id, { status, payload: null, leaseUntil: null, lastError: result.error }), audit(`webhook.${status}`, { attempts: row.attempts, error: result.error })]);
  } else {
    await finishOutbox(db, row.id, { status: "queued", leaseUntil: null, lastError: result.error, nextAttemptAt: done + backoffMs(row.attempts, result.retryAfterSeconds) }).run();
  }
}
