import { fromB64, utf8 } from "../../crypto/encoding";
import { ecdsaDerToRaw } from "../../crypto/signatures";
import { eventsFor, fresh, type Incoming, type MailEvent, parsed, unverified } from "./types";

/** SendGrid documents no window; resetkit takes 10 minutes either way (its retries are signed anew). */
export const SENDGRID_WINDOW_MS = 10 * 60_000;

const SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature";
const TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp";

interface SendgridEvent {
  event?: string;
  type?: string;
  email?: string;
  sg_message_id?: string;
}

/**
 * SendGrid's Signed Event Webhook (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features):
 * ECDSA P-256 / SHA-256 over `timestamp + raw body`, the signature base64 DER in
 * X-Twilio-Email-Event-Webhook-Signature, the verification key base64 DER (SPKI). A batch of events
 * per request. `bounce` events of type "blocked" are soft (SendGrid retries): left out, like deferrals.
 */
export async function sendgridEvents(r: Incoming, publicKey: string): Promise<MailEvent[]> {
  const sig = fromB64(r.headers.get(SIGNATURE) ?? "");
  const ts = r.headers.get(TIMESTAMP) ?? "";
  if (!sig?.length || !/^\d+$/.test(ts)) return unverified();
  fresh(Number(ts) * 1000, r.now, SENDGRID_WINDOW_MS);
  const ec = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
  let ok = false;
  try {
    const key = await crypto.subtle.importKey("spki", fromB64(publicKey)!, ec, false, ["verify"]);
    ok = await crypto.subtle.verify(ec, key, ecdsaDerToRaw(sig), utf8(ts + r.body));
  } catch {
    // a malformed signature is a wrong one
  }
  if (!ok) unverified();
  return [parsed<SendgridEvent | SendgridEvent[]>(r.body)].flat().flatMap((e) => {
    const type =
      e?.event === "delivered"
        ? "delivered"
        : e?.event === "spamreport"
          ? "complained"
          : e?.event === "bounce" && e.type !== "blocked"
            ? "bounced"
            : null;
    // sg_message_id is the X-Message-Id of the send, then ".filter…" of the SendGrid server.
    return eventsFor(type, e?.email, e?.sg_message_id?.split(".")[0]);
  });
}
