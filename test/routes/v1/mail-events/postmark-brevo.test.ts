import { afterEach, describe, expect, it, vi } from "vitest";
import { api, codeOf } from "../../../helpers";
import { fakeNetwork, footprint, MAIL_BASE, requestBytes, sendOne } from "./support";

const POSTMARK_AUTH = "hooks:postmark-password-1";
const BREVO_TOKEN = "brevo-bearer-token-0123456789";
const SECRETS = JSON.stringify({ postmark: POSTMARK_AUTH, brevo: BREVO_TOKEN });
const BASE = { MAIL_API_KEY: "key", MAIL_API_BASE_URL: MAIL_BASE, MAIL_EVENT_SECRETS: SECRETS };
const POSTMARK = { ...BASE, MAIL_PROVIDER: "postmark" };
const BREVO = { ...BASE, MAIL_PROVIDER: "brevo" };

const postmarkAnswer = () => Response.json({ MessageID: crypto.randomUUID(), ErrorCode: 0, Message: "OK" });
const brevoAnswer = () => Response.json({ messageId: `<${crypto.randomUUID()}@smtp-relay.mailin.fr>` });

const postmarkEvent = (event: Record<string, unknown>, authorization?: string) =>
  api("/v1/mail-events/postmark", {
    json: event,
    headers: authorization ? { Authorization: authorization } : {},
    env: POSTMARK,
  });
const brevoEvent = (event: unknown, authorization?: string) =>
  api("/v1/mail-events/brevo", {
    json: event,
    headers: authorization ? { Authorization: authorization } : {},
    env: BREVO,
  });

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/mail-events/postmark (Basic auth of the webhook URL)", () => {
  it("an authenticated hard bounce suppresses; a soft bounce does not", async () => {
    const fake = fakeNetwork(postmarkAnswer);
    const sent = await sendOne(POSTMARK, fake);
    const auth = `Basic ${btoa(POSTMARK_AUTH)}`;
    const bounce = { RecordType: "Bounce", Type: "SoftBounce", Email: sent.email, MessageID: sent.providerMessageId };
    expect((await postmarkEvent(bounce, auth)).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
    expect((await postmarkEvent({ ...bounce, Type: "HardBounce", Inactive: true }, auth)).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "bounced" });
    const mails = fake.mail.length;
    await requestBytes(sent.email, sent.clientId, POSTMARK);
    expect(fake.mail.length).toBe(mails);
  });

  it("wrong or missing credentials: 401 and nothing recorded", async () => {
    const fake = fakeNetwork(postmarkAnswer);
    const sent = await sendOne(POSTMARK, fake);
    const complaint = { RecordType: "SpamComplaint", Email: sent.email, MessageID: sent.providerMessageId };
    for (const auth of [undefined, `Basic ${btoa("hooks:wrong-password")}`, `Bearer ${POSTMARK_AUTH}`, "Basic %%%"]) {
      const res = await postmarkEvent(complaint, auth);
      expect(res.status, auth).toBe(401);
      expect(await codeOf(res)).toBe("INVALID_SIGNATURE");
    }
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
  });
});

describe("POST /v1/mail-events/brevo (bearer token)", () => {
  it("an authenticated hard_bounce (batched, with a soft one) suppresses once", async () => {
    const fake = fakeNetwork(brevoAnswer);
    const sent = await sendOne(BREVO, fake);
    const e = { email: sent.email, "message-id": sent.providerMessageId };
    const res = await brevoEvent(
      [
        { ...e, event: "soft_bounce" },
        { ...e, event: "hard_bounce" },
        { ...e, event: "hard_bounce" },
      ],
      `Bearer ${BREVO_TOKEN}`,
    );
    expect(res.status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "bounced" });
    const mails = fake.mail.length;
    await requestBytes(sent.email, sent.clientId, BREVO);
    expect(fake.mail.length).toBe(mails);
  });

  it("a wrong token: 401 and nothing recorded", async () => {
    const fake = fakeNetwork(brevoAnswer);
    const sent = await sendOne(BREVO, fake);
    const spam = { event: "spam", email: sent.email, "message-id": sent.providerMessageId };
    for (const auth of [undefined, "Bearer another-token-0000", `Basic ${btoa(`x:${BREVO_TOKEN}`)}`]) {
      expect((await brevoEvent(spam, auth)).status, auth).toBe(401);
    }
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
  });
});
