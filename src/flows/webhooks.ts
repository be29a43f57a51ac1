import type { Deps } from "../deps";
import { findWebhookTarget, type Client } from "../db/clients";
import { guardedInsert } from "../db/guarded";
import { insertOutbox, type OutboxInsert, type OutboxRow } from "../db/outbox";
import { emailOutbox } from "../db/schema";
import { seal } from "../crypto/envelope";
import { hmacHex, newId } from "../crypto/tokens";
import type { SQL } from "drizzle-orm";

/** The events a client's webhook URL receives. */
export type WebhookEvent = "password_reset.requested" | "password_reset.completed" | "user.password_changed" | "email.failed";

/** The JSON body of every webhook delivery. */
export interface WebhookBody {
  /** Stable across retries (also sent as Webhook-Id): receivers deduplicate on it. */
  id: string;
  type: WebhookEvent;
  createdAt: string;
  tenantId: string;
  clientId: string;
  data: Record<string, unknown>;
}

/**
 * An outbox row (channel "webhook") carrying one event, or null when the client has no webhook
 * URL. The body is sealed like an email payload; URL and secret are read at send time, so a
 * changed URL or rotated secret applies to queued deliveries too.
 */
export async function prepareWebhook(
  deps: Deps,
  client: Pick<Client, "id" | "tenantId" | "webhookUrl">,
  type: WebhookEvent,
  data: Record<string, unknown>,
  userId: string | null = null,
): Promise<OutboxInsert | null> {
  if (!client.webhookUrl) return null;
  const id = newId("whk_");
  const now = deps.now();
  const body: WebhookBody = { id, type, createdAt: new Date(now).toISOString(), tenantId: client.tenantId, clientId: client.id, data };
  return {
    id,
    tenantId: client.tenantId,
    clientId: client.id,
    userId,
    channel: "webhook",
    template: type,
    status: "queued",
    payload: await seal(deps.config.keys.outbox, JSON.stringify(body), id),
    attempts: 0,
    nextAttemptAt: now,
    createdAt: now,
  };
}

/** Batch items inserting prepared webhook rows (guarded when the batch has a winner to respect). */
export const webhookInserts = (deps: Deps, rows: (OutboxInsert | null)[], guard?: SQL) =>
  rows.filter((r): r is OutboxInsert => r !== null).map((r) => (guard ? guardedInsert(deps.db, emailOutbox, r, guard) : insertOutbox(deps.db, r)));


/**
 * The Webhook-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Receivers recompute it over the raw body, compare in constant time and reject old timestamps.
 */
export async function signWebhook(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `t=${unixSeconds},v1=${await hmacHex(key, `${unixSeconds}.${body}`)}`;
}

/** Batch items queueing an `email.failed` webhook for a message that will never be delivered. */
export async function emailFailedWebhook(deps: Deps, row: OutboxRow, error: string) {
  const target = await findWebhookTarget(deps.db, row.clientId);
  const client = { id: row.clientId, tenantId: row.tenantId, webhookUrl: target?.url ?? null };
  const hook = await prepareWebhook(deps, client, "email.failed", { messageId: row.id, template: row.template, userId: row.userId, resetId: row.resetRequestId, error }, row.userId);
  return webhookInserts(deps, [hook]);
}
