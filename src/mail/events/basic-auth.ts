import { fromB64 } from "../../crypto/encoding";
import { timingSafeEqualStr } from "../../crypto/tokens";
import { eventsFor, type Incoming, type MailEvent, parsed, unverified } from "./types";

/**
 * Postmark and Brevo sign nothing; their documented protection is credentials on the webhook:
 * Postmark, HTTP Basic auth in the webhook URL (https://postmarkapp.com/developer/webhooks/webhooks-overview,
 * "Basic HTTP authentication"); Brevo, Basic auth in the URL or a bearer token
 * (https://developers.brevo.com/docs/secured-webhooks). A secret with a colon is "user:password"
 * (Basic), anything else a bearer token. Neither sends a timestamp: there is no replay window, and
 * a replayed event changes nothing twice (each is recorded once per message).
 */
async function authorized(r: Incoming, secret: string): Promise<void> {
  const [scheme, value = ""] = (r.headers.get("Authorization") ?? "").split(" ");
  const basic = secret.includes(":");
  const given =
    scheme?.toLowerCase() !== (basic ? "basic" : "bearer")
      ? ""
      : basic
        ? new TextDecoder().decode(fromB64(value) ?? new Uint8Array())
        : value;
  if (!(await timingSafeEqualStr(given, secret))) unverified();
}

interface PostmarkEvent {
  RecordType?: string;
  Type?: string;
  Inactive?: boolean;
  Email?: string;
  Recipient?: string;
  MessageID?: string;
}

/**
 * Postmark: one event per request. A bounce suppresses when it is hard (HardBounce, BadEmailAddress)
 * or Postmark deactivated the address (Inactive); SpamComplaint is a complaint; Delivery a delivery.
 */
export async function postmarkEvents(r: Incoming, secret: string): Promise<MailEvent[]> {
  await authorized(r, secret);
  const e = parsed<PostmarkEvent>(r.body);
  const type =
    e.RecordType === "Delivery"
      ? "delivered"
      : e.RecordType === "SpamComplaint"
        ? "complained"
        : e.RecordType === "Bounce" && (e.Inactive === true || e.Type === "HardBounce" || e.Type === "BadEmailAddress")
          ? "bounced"
          : null;
  return eventsFor(type, e.Email ?? e.Recipient, e.MessageID);
}

const BREVO = new Map<unknown, MailEvent["type"]>([
  ["delivered", "delivered"],
  ["hard_bounce", "bounced"],
  ["invalid_email", "bounced"],
  ["spam", "complained"],
  ["complaint", "complained"],
]);

/** Brevo transactional webhooks: one event, or an array of them (batched webhooks). soft_bounce and deferred are left out. */
export async function brevoEvents(r: Incoming, secret: string): Promise<MailEvent[]> {
  await authorized(r, secret);
  type BrevoEvent = { event?: string; email?: string; "message-id"?: string } | null;
  return [parsed<BrevoEvent | BrevoEvent[]>(r.body)]
    .flat()
    .flatMap((e) => eventsFor(BREVO.get(e?.event) ?? null, e?.email, e?.["message-id"]));
}
