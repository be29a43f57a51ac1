import { afterEach, describe, expect, it, vi } from "vitest";
import { answerOf, api, codeOf, endlessBody, type Problem, rows } from "../../../helpers";
import { b64, fakeNetwork, footprint, MAIL_BASE, requestBytes, sendOne, unix, utf8 } from "./support";

const EC = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };
const keys = (await crypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
const other = (await crypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
const spki = new Uint8Array((await crypto.subtle.exportKey("spki", keys.publicKey)) as ArrayBuffer);
const SENDGRID = {
  MAIL_PROVIDER: "sendgrid",
  MAIL_API_KEY: "SG.key",
  MAIL_API_BASE_URL: MAIL_BASE,
  MAIL_EVENT_SECRETS: JSON.stringify({ sendgrid: b64(spki) }),
};

// SendGrid answers 202 with the message id in X-Message-Id; events carry it, then ".filter…".
const sendgridAnswer = () =>
  new Response(null, { status: 202, headers: { "X-Message-Id": crypto.randomUUID().replace(/-/g, "").slice(0, 22) } });

/** An ECDSA signature as SendGrid sends it: DER (SEQUENCE of two INTEGERs), not WebCrypto's r||s. */
function toDer(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    const v = b.subarray(i);
    return v[0]! & 0x80 ? [0x02, v.length + 1, 0, ...v] : [0x02, v.length, ...v];
  };
  const body = [...int(raw.subarray(0, 32)), ...int(raw.subarray(32))];
  return new Uint8Array([0x30, body.length, ...body]);
}

async function sendgridPost(events: unknown[], opts: { shiftMs?: number; key?: CryptoKey } = {}) {
  const body = JSON.stringify(events);
  const ts = unix(opts.shiftMs);
  const raw = new Uint8Array(await crypto.subtle.sign(EC, opts.key ?? keys.privateKey, utf8(ts + body)));
  return api("/v1/mail-events/sendgrid", {
    method: "POST",
    body,
    headers: {
      "Content-Type": "application/json",
      "X-Twilio-Email-Event-Webhook-Signature": b64(toDer(raw)),
      "X-Twilio-Email-Event-Webhook-Timestamp": ts,
    },
    env: SENDGRID,
  });
}

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/mail-events/sendgrid (Signed Event Webhook)", () => {
  it("a signed batch with a bounce suppresses; blocked (soft) bounces and deferrals do not", async () => {
    const fake = fakeNetwork(sendgridAnswer);
    const sent = await sendOne(SENDGRID, fake);
    const sg = `${sent.providerMessageId}.filterdrecv-canary-5d8f4-ltdnw-1-64A2B3C4-1.0`;
    const base = { email: sent.email, sg_message_id: sg, timestamp: Number(unix()) };
    const soft = await sendgridPost([
      { ...base, event: "deferred" },
      { ...base, event: "bounce", type: "blocked" },
    ]);
    expect(soft.status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
    expect((await sendgridPost([{ ...base, event: "bounce", type: "bounce" }])).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "bounced" });
    const mails = fake.mail.length;
    await requestBytes(sent.email, sent.clientId, SENDGRID);
    expect(fake.mail.length).toBe(mails);
  });

  it("another key, a stale timestamp or a mangled signature: 401 and nothing recorded", async () => {
    const fake = fakeNetwork(sendgridAnswer);
    const sent = await sendOne(SENDGRID, fake);
    const spam = [{ event: "spamreport", email: sent.email, sg_message_id: `${sent.providerMessageId}.x` }];
    const wrong = await sendgridPost(spam, { key: other.privateKey });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe("INVALID_SIGNATURE");
    expect((await sendgridPost(spam, { shiftMs: -11 * 60_000 })).status).toBe(401);
    const mangled = await api("/v1/mail-events/sendgrid", {
      method: "POST",
      body: JSON.stringify(spam),
      headers: {
        "Content-Type": "application/json",
        "X-Twilio-Email-Event-Webhook-Signature": "MEUCIQDnot-a-signature",
        "X-Twilio-Email-Event-Webhook-Timestamp": unix(),
      },
      env: SENDGRID,
    });
    expect(mangled.status).toBe(401);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
  });

  it("takes batches above the 16 KiB default (up to 256 KiB), and still counts bytes as they stream", async () => {
    fakeNetwork(sendgridAnswer);
    const events = Array.from({ length: 400 }, (_, i) => ({
      event: "delivered",
      email: `someone.${i}@example.com`,
      sg_message_id: `unknown${i}.filterdrecv`,
    }));
    const res = await sendgridPost(events);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 400 });
    const [none] = await rows<{ n: number }>(
      "SELECT count(*) AS n FROM audit_events WHERE data->>'email' = 's***0@example.com'",
    );
    expect(none!.n).toBe(0);
    const big = await answerOf(
      api("/v1/mail-events/sendgrid", {
        method: "POST",
        body: endlessBody(300 * 1024),
        headers: { "Content-Type": "application/json" },
        duplex: "half",
        env: SENDGRID,
      } as RequestInit),
    );
    expect(big).not.toBe("no answer");
    expect((big as Response).status).toBe(413);
    expect(((await (big as Response).json()) as Problem).code).toBe("PAYLOAD_TOO_LARGE");
  });
});
