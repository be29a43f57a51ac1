import { hex } from "../../crypto/encoding";
import { hmacSha256 } from "../../crypto/signatures";
import { timingSafeEqualStr } from "../../crypto/tokens";
import { eventsFor, fresh, type Incoming, type MailEvent, parsed, unverified } from "./types";

/** Mailgun documents no window (only "check the timestamp"): resetkit takes 5 minutes either way, like Svix. */
export const MAILGUN_WINDOW_MS = 5 * 60_000;

interface MailgunBody {
  signature?: { timestamp?: unknown; token?: unknown; signature?: unknown };
  "event-data"?: {
    event?: string;
    severity?: string;
    recipient?: string;
    message?: { headers?: { "message-id"?: string } };
  };
}

/**
 * Mailgun (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks):
 * the JSON body's `signature` object holds timestamp, token and signature = hex HMAC-SHA256 of
 * `timestamp + token` under the HTTP webhook signing key.
 */
export async function mailgunEvents(r: Incoming, signingKey: string): Promise<MailEvent[]> {
  const e = parsed<MailgunBody>(r.body);
  const { timestamp, token, signature } = e.signature ?? {};
  if (typeof timestamp !== "string" || typeof token !== "string" || typeof signature !== "string") return unverified();
  fresh(Number(timestamp) * 1000, r.now, MAILGUN_WINDOW_MS);
  if (!(await timingSafeEqualStr(signature, hex(await hmacSha256(signingKey, timestamp + token))))) unverified();
  const d = e["event-data"] ?? {};
  const type =
    d.event === "delivered"
      ? "delivered"
      : d.event === "complained"
        ? "complained"
        : // "temporary" failures are retried by Mailgun: no suppression.
          d.event === "failed" && d.severity === "permanent"
          ? "bounced"
          : null;
  return eventsFor(type, d.recipient, d.message?.headers?.["message-id"]);
}
