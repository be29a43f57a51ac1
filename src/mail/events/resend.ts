import { b64, fromB64 } from "../../crypto/encoding";
import { hmacSha256 } from "../../crypto/signatures";
import { timingSafeEqualStr } from "../../crypto/tokens";
import { eventsFor, fresh, type Incoming, type MailEvent, parsed, unverified } from "./types";

/** Svix's tolerance (https://docs.svix.com/receiving/verifying-payloads/how-manual): 5 minutes either way. */
export const SVIX_WINDOW_MS = 5 * 60_000;

/**
 * Resend signs with Svix (https://resend.com/docs/webhooks/verify-webhooks-requests): headers
 * svix-id, svix-timestamp and svix-signature ("v1,<base64>" entries, space-separated: several
 * during a secret rotation); the content is `${id}.${timestamp}.${body}`, the key the base64
 * part of the `whsec_` secret.
 */
export async function resendEvents(r: Incoming, secret: string): Promise<MailEvent[]> {
  const [id, ts, sigs] = ["svix-id", "svix-timestamp", "svix-signature"].map((h) => r.headers.get(h));
  if (!id || !ts || !sigs) return unverified();
  fresh(Number(ts) * 1000, r.now, SVIX_WINDOW_MS);
  const expected = b64(await hmacSha256(fromB64(secret.slice(6))!, `${id}.${ts}.${r.body}`));
  let ok = false;
  for (const s of sigs.split(" "))
    if (s.startsWith("v1,") && (await timingSafeEqualStr(s.slice(3).replace(/=+$/, ""), expected))) ok = true;
  if (!ok) unverified();
  const e = parsed<{ type?: string; data?: { email_id?: string; to?: string[]; bounce?: { type?: string } } }>(r.body);
  const d = e.data ?? {};
  const type =
    e.type === "email.delivered"
      ? "delivered"
      : e.type === "email.complained"
        ? "complained"
        : // Transient and Undetermined bounces are retried by the provider: no suppression.
          e.type === "email.bounced" && d.bounce?.type === "Permanent"
          ? "bounced"
          : null;
  return eventsFor(type, d.to, d.email_id);
}
