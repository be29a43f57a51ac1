import { open } from "../../crypto/envelope";
import { hmacHex } from "../../crypto/tokens";
import { findWebhookTarget } from "../../db/clients";
import { sendWithTimeout } from "../../mail/mailer";
import type { Channel } from "./types";

/** A receiver must answer within this time, or the attempt counts as failed (and is retried). */
export const WEBHOOK_TIMEOUT_MS = 5_000;

/**
 * The Webhook-Signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
 * Receivers recompute it over the raw body, compare in constant time and reject old timestamps.
 */
export async function signWebhook(secret: string, body: string, unixSeconds: number): Promise<string> {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return `t=${unixSeconds},v1=${await hmacHex(key, `${unixSeconds}.${body}`)}`;
}

// Redirects are not followed (the URL is the contract) and 4xx means "never": both are final,
// except for the statuses that mean "not now".
const retryableStatus = (s: number) => s >= 500 || [408, 409, 425, 429].includes(s);

/**
 * Signed POSTs to the client's webhook URL: URL and secret are read at send time, so a changed URL
 * or rotated secret applies to queued deliveries too. A client without a URL drops the row.
 */
export const webhookChannel: Channel = {
  name: "webhook",
  label: (row) => ({ deliveryId: row.id, event: row.template }),
  async send(deps, row) {
    const target = await findWebhookTarget(deps.db, row.clientId);
    if (!target?.url || !target.sealedSecret) return { status: "dropped", reason: "no_webhook_url" };
    const url = target.url;
    const body = await open<string>(deps.config.keys.outbox, row.payload ?? "", row.id);
    const secret = await open<string>(deps.config.keys.outbox, target.sealedSecret, `whsec:${row.clientId}`);
    const headers = {
      "Content-Type": "application/json",
      "User-Agent": "resetkit-webhooks",
      "Webhook-Id": row.id,
      "Webhook-Signature": await signWebhook(secret, body, Math.floor(deps.now() / 1000)),
    };
    return sendWithTimeout(
      (signal) => fetch(url, { method: "POST", body, headers, redirect: "manual", signal }),
      { retryableStatus, bareError: true },
      WEBHOOK_TIMEOUT_MS,
    );
  },
};
