import { fromB64, utf8 } from "../../crypto/encoding";
import { certificateSpki, pemToDer } from "../../crypto/signatures";
import { eventsFor, fresh, type Incoming, type MailEvent, parsed, unverified } from "./types";

/**
 * SNS delivers a message again (same Timestamp and signature) for as long as its delivery policy
 * retries, at most an hour: older messages are refused.
 */
export const SNS_WINDOW_MS = 60 * 60_000;

/** Where SNS signing certificates (and subscription URLs) live; anything else is never fetched. */
const SNS_HOST = /^https:\/\/sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?\//;

interface SnsMessage {
  Type?: string;
  TopicArn?: string;
  Message?: string;
  Timestamp?: string;
  SignatureVersion?: string;
  Signature?: string;
  SigningCertURL?: string;
  SubscribeURL?: string;
  [field: string]: unknown;
}

// The signing certificates' keys this isolate has read (a handful: one per region and rotation);
// never a pending fetch, which another request could not safely await.
const certs = new Map<string, Uint8Array<ArrayBuffer>>();

async function certKey(r: Incoming, url: string): Promise<Uint8Array<ArrayBuffer>> {
  const known = certs.get(url);
  if (known) return known;
  // Redirects are not followed (a 3xx is not ok): the certificate is the one at the checked URL.
  const res = await r.fetch(url, { redirect: "manual" });
  const der = res.ok ? pemToDer(await res.text()) : null;
  if (!der) throw new TypeError("no certificate");
  if (certs.size >= 16) certs.clear();
  const spki = certificateSpki(der);
  certs.set(url, spki);
  return spki;
}

/**
 * SES events through SNS (https://docs.aws.amazon.com/sns/latest/dg/sns-verify-signature-of-message.html):
 * the certificate URL must be on an SNS host before it is fetched, the topic one of
 * MAIL_EVENT_SECRETS.ses.topicArns (any AWS account can have SNS sign a message), the signature
 * (SignatureVersion 1: SHA1withRSA, 2: SHA256withRSA) over the documented fields, each as
 * "name\nvalue\n". A verified SubscriptionConfirmation is confirmed by fetching its SubscribeURL.
 */
export async function snsEvents(r: Incoming, secret: { topicArns: string[] }): Promise<MailEvent[]> {
  const m = parsed<SnsMessage>(r.body);
  if (typeof m.SigningCertURL !== "string" || !SNS_HOST.test(m.SigningCertURL)) return unverified();
  if (!secret.topicArns.includes(m.TopicArn ?? "")) return unverified();
  fresh(Date.parse(m.Timestamp ?? ""), r.now, SNS_WINDOW_MS);
  const hash = m.SignatureVersion === "1" ? "SHA-1" : m.SignatureVersion === "2" ? "SHA-256" : null;
  // A Notification signs Message, MessageId, Subject (when present), Timestamp, TopicArn, Type; a
  // (Un)SubscriptionConfirmation also SubscribeURL and Token: one list, in byte order, of what is
  // present (a field added to a message is signed over too, so it fails the check).
  const signed = ["Message", "MessageId", "Subject", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"]
    .filter((f) => typeof m[f] === "string")
    .map((f) => `${f}\n${m[f]}\n`)
    .join("");
  let ok = false;
  try {
    const alg = { name: "RSASSA-PKCS1-v1_5", hash: hash! };
    const key = await crypto.subtle.importKey("spki", await certKey(r, m.SigningCertURL), alg, false, ["verify"]);
    ok = !!hash && (await crypto.subtle.verify(alg, key, fromB64(m.Signature ?? "")!, utf8(signed)));
  } catch {
    // an unreachable certificate or a malformed signature is a wrong one
  }
  if (!ok) unverified();
  if (m.Type === "SubscriptionConfirmation") {
    if (typeof m.SubscribeURL !== "string" || !SNS_HOST.test(m.SubscribeURL)) return unverified();
    const res = await r.fetch(m.SubscribeURL, { redirect: "manual" });
    if (!res.ok) throw new Error(`SNS subscription confirmation: HTTP ${res.status}`);
    return [];
  }
  if (m.Type !== "Notification") return [];
  return sesEvents(parsed(m.Message ?? ""));
}

interface SesEvent {
  eventType?: string;
  notificationType?: string;
  mail?: { messageId?: string };
  bounce?: { bounceType?: string; bouncedRecipients?: { emailAddress?: string }[] };
  complaint?: { complainedRecipients?: { emailAddress?: string }[] };
  delivery?: { recipients?: string[] };
}

/** An SES event (event publishing: eventType; feedback notifications: notificationType). */
function sesEvents(e: SesEvent): MailEvent[] {
  const kind = e.eventType ?? e.notificationType;
  const id = e.mail?.messageId;
  const addresses = (list?: { emailAddress?: string }[]) => list?.map((x) => x.emailAddress);
  if (kind === "Delivery") return eventsFor("delivered", e.delivery?.recipients, id);
  if (kind === "Complaint") return eventsFor("complained", addresses(e.complaint?.complainedRecipients), id);
  // Transient and Undetermined bounces are retried by SES: no suppression.
  if (kind === "Bounce" && e.bounce?.bounceType === "Permanent")
    return eventsFor("bounced", addresses(e.bounce.bouncedRecipients), id);
  return [];
}
