import { seal } from "../crypto/envelope";
import { newId } from "../crypto/tokens";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import type { OutboxInsert } from "./store";

/** The events a client's webhook URL receives. */
export type WebhookEvent =
  | "password_reset.requested"
  | "password_reset.completed"
  | "user.password_changed"
  | "user.locked"
  | "email.failed"
  | "email.bounced"
  | "email.complained";

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
export async function composeWebhook(
  deps: Deps,
  client: Pick<Client, "id" | "tenantId" | "webhookUrl">,
  type: WebhookEvent,
  data: Record<string, unknown>,
  userId: string | null = null,
): Promise<OutboxInsert | null> {
  if (!client.webhookUrl) return null;
  const id = newId("whk_");
  const now = deps.now();
  const body: WebhookBody = {
    id,
    type,
    createdAt: new Date(now).toISOString(),
    tenantId: client.tenantId,
    clientId: client.id,
    data,
  };
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
