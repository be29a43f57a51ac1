import { afterEach, describe, expect, it, vi } from "vitest";
import { SNS_CERT_PEM, SNS_KEY_PKCS8_PEM } from "../../../fixtures/sns-signing";
import { api, clock, codeOf } from "../../../helpers";
import { b64, type Fake, fakeNetwork, footprint, MAIL_BASE, requestBytes, sendOne, utf8 } from "./support";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:ses-events";
const SES = {
  MAIL_PROVIDER: "ses",
  MAIL_API_KEY: "AKIDEXAMPLE:wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEY",
  MAIL_SES_REGION: "eu-west-1",
  MAIL_API_BASE_URL: MAIL_BASE,
  MAIL_EVENT_SECRETS: JSON.stringify({ ses: { topicArns: [TOPIC] } }),
};
const sesAnswer = () => Response.json({ MessageId: `0102019a${crypto.randomUUID()}-000000` });

const der = (pem: string) => Uint8Array.from(atob(pem.replace(/-----[^-]+-----|\s/g, "")), (c) => c.charCodeAt(0));
const signer = (hash: string) =>
  crypto.subtle.importKey("pkcs8", der(SNS_KEY_PKCS8_PEM), { name: "RSASSA-PKCS1-v1_5", hash }, false, ["sign"]);

/** A certificate URL of its own per test (the Worker caches certificates per URL). */
const certUrl = (host = "sns.eu-west-1.amazonaws.com") =>
  `https://${host}/SimpleNotificationService-${crypto.randomUUID().slice(0, 8)}.pem`;

/** Serves the test certificate at SNS certificate URLs and 200 at SubscribeURLs. */
const network = () =>
  fakeNetwork(sesAnswer, (req) =>
    req.url.endsWith(".pem") ? new Response(SNS_CERT_PEM) : new Response("<ConfirmSubscriptionResponse/>"),
  );

/** An SNS message signed as SNS signs it: the documented fields as "name\nvalue\n", SHA1 (v1) or SHA256 (v2) with RSA. */
async function snsMessage(fields: Record<string, string>, opts: { version?: "1" | "2"; cert?: string } = {}) {
  const m: Record<string, string> = {
    MessageId: crypto.randomUUID(),
    TopicArn: TOPIC,
    Timestamp: new Date(clock.now()).toISOString(),
    SignatureVersion: opts.version ?? "1",
    SigningCertURL: opts.cert ?? certUrl(),
    ...fields,
  };
  const order =
    m.Type === "Notification"
      ? ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"]
      : ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"];
  const text = order
    .filter((k) => m[k] !== undefined)
    .map((k) => `${k}\n${m[k]}\n`)
    .join("");
  const key = await signer(m.SignatureVersion === "2" ? "SHA-256" : "SHA-1");
  m.Signature = b64(new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", key, utf8(text))));
  return m;
}

const post = (m: Record<string, string>) =>
  api("/v1/mail-events/ses", {
    method: "POST",
    body: JSON.stringify(m),
    headers: { "Content-Type": "text/plain; charset=UTF-8", "x-amz-sns-message-type": m.Type ?? "" },
    env: SES,
  });

const bounce = (email: string, messageId: string, bounceType = "Permanent") =>
  JSON.stringify({
    eventType: "Bounce",
    bounce: { bounceType, bounceSubType: "General", bouncedRecipients: [{ emailAddress: email }] },
    mail: { messageId },
  });

const certFetches = (fake: Fake) => fake.other.filter((r) => r.url.endsWith(".pem")).length;

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/mail-events/ses (SES events through SNS)", () => {
  it("a signed permanent bounce (SignatureVersion 1 and 2) suppresses; a transient one does not", async () => {
    const fake = network();
    const sent = await sendOne(SES, fake);
    const soft = await snsMessage({
      Type: "Notification",
      Message: bounce(sent.email, sent.providerMessageId, "Transient"),
    });
    expect((await post(soft)).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
    expect(certFetches(fake)).toBe(1);
    const hard = await snsMessage(
      {
        Type: "Notification",
        Subject: "Amazon SES Email Event Notification",
        Message: bounce(sent.email, sent.providerMessageId),
      },
      { version: "2" },
    );
    expect((await post(hard)).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "bounced" });
    const mails = fake.mail.length;
    await requestBytes(sent.email, sent.clientId, SES);
    expect(fake.mail.length).toBe(mails);
  });

  it("a complaint published as a feedback notification (notificationType) suppresses too", async () => {
    const fake = network();
    const sent = await sendOne(SES, fake);
    const message = JSON.stringify({
      notificationType: "Complaint",
      complaint: { complainedRecipients: [{ emailAddress: sent.email }] },
      mail: { messageId: sent.providerMessageId },
    });
    expect((await post(await snsMessage({ Type: "Notification", Message: message }))).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "complained" });
  });

  it("a certificate URL off the SNS hosts is refused without fetching it; so is another topic, a stale or altered message", async () => {
    const fake = network();
    const sent = await sendOne(SES, fake);
    const event = { Type: "Notification", Message: bounce(sent.email, sent.providerMessageId) };
    for (const host of ["sns.eu-west-1.amazonaws.com.evil.test", "evil.test", "sns.eu-west-1.amazonaws.co"]) {
      const res = await post(await snsMessage(event, { cert: certUrl(host) }));
      expect(res.status, host).toBe(401);
      expect(await codeOf(res)).toBe("INVALID_SIGNATURE");
    }
    const http = await post(await snsMessage(event, { cert: certUrl().replace("https:", "http:") }));
    expect(http.status).toBe(401);
    expect(fake.other).toHaveLength(0);
    const otherTopic = await snsMessage({ ...event, TopicArn: "arn:aws:sns:eu-west-1:999999999999:ses-events" });
    expect((await post(otherTopic)).status).toBe(401);
    const stale = await snsMessage({ ...event, Timestamp: new Date(clock.now() - 2 * 3_600_000).toISOString() });
    expect((await post(stale)).status).toBe(401);
    const altered = await snsMessage(event);
    altered.Message = bounce("someone.else@example.com", sent.providerMessageId);
    expect((await post(altered)).status).toBe(401);
    expect((await post({ ...(await snsMessage(event)), SignatureVersion: "3" })).status).toBe(401);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
  });

  it("a verified SubscriptionConfirmation fetches its SubscribeURL; one pointing off SNS is refused unfetched", async () => {
    const fake = network();
    const subscribe = `https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${TOPIC}&Token=abc`;
    const confirm = await snsMessage({
      Type: "SubscriptionConfirmation",
      Message: "You have chosen to subscribe to the topic.",
      SubscribeURL: subscribe,
      Token: "abc",
    });
    expect((await post(confirm)).status).toBe(200);
    expect(fake.other.map((r) => r.url)).toEqual([confirm.SigningCertURL, subscribe]);
    const evil = await snsMessage({
      Type: "SubscriptionConfirmation",
      Message: "x",
      SubscribeURL: "https://evil.test/?Action=ConfirmSubscription",
      Token: "abc",
    });
    const before = fake.other.length;
    expect((await post(evil)).status).toBe(401);
    expect(fake.other.slice(before).map((r) => r.url)).toEqual([evil.SigningCertURL]);
    // Unsigned (a forged confirmation): nothing is fetched but the certificate.
    const forged = { ...confirm, Signature: b64(new Uint8Array(256)) };
    const n = fake.other.length;
    expect((await post(forged)).status).toBe(401);
    expect(fake.other.length).toBe(n);
  });
});
