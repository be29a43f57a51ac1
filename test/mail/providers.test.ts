import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { uuidFromKey } from "../../src/mail/brevo";
import type { OutgoingEmail } from "../../src/mail/mailer";
import { api, captureFetch, createUser, mailerWith, rows, strongPassword, uniqueEmail } from "../helpers";

// Each provider's documented request, captured from the Worker's own fetch (same isolate).
const MSG: OutgoingEmail = {
  to: "ada@example.com",
  from: "Équipe Acme <no-reply@acme.test>",
  subject: "Reset your password",
  html: "<p>Hello Ada</p>",
  text: "Hello Ada",
};
const KEY = "msg_row-id-0001";

afterEach(() => {
  vi.restoreAllMocks();
  vi.useRealTimers();
});

describe("provider contracts", () => {
  it("resend: POST /emails, Bearer key, Idempotency-Key = row id", async () => {
    const calls = captureFetch(() => Response.json({ id: "re_1" }));
    const mailer = await mailerWith({ MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key" });
    expect(await mailer.send(MSG, KEY)).toEqual({ status: "sent", providerMessageId: "re_1" });
    const [req] = calls;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://api.resend.com/emails");
    expect(req!.headers.get("Authorization")).toBe("Bearer re_key");
    expect(req!.headers.get("Idempotency-Key")).toBe(KEY);
    expect(req!.headers.get("Content-Type")).toBe("application/json");
    expect(await req!.json()).toEqual({
      from: MSG.from,
      to: [MSG.to],
      subject: MSG.subject,
      html: MSG.html,
      text: MSG.text,
    });
  });

  it("postmark: POST /email, X-Postmark-Server-Token, MessageStream (configurable)", async () => {
    const calls = captureFetch(() =>
      Response.json({
        To: MSG.to,
        SubmittedAt: "2026-01-15T12:00:00Z",
        MessageID: "pm-1",
        ErrorCode: 0,
        Message: "OK",
      }),
    );
    const mailer = await mailerWith({ MAIL_PROVIDER: "postmark", MAIL_API_KEY: "pm-token" });
    expect(await mailer.send(MSG, KEY)).toEqual({ status: "sent", providerMessageId: "pm-1" });
    const streamed = await mailerWith({
      MAIL_PROVIDER: "postmark",
      MAIL_API_KEY: "pm-token",
      MAIL_POSTMARK_STREAM: "password-resets",
    });
    await streamed.send(MSG, KEY);
    const [req, second] = calls;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://api.postmarkapp.com/email");
    expect(req!.headers.get("X-Postmark-Server-Token")).toBe("pm-token");
    expect(req!.headers.get("Accept")).toBe("application/json");
    expect(req!.headers.get("Content-Type")).toBe("application/json");
    expect(await req!.json()).toEqual({
      From: MSG.from,
      To: MSG.to,
      Subject: MSG.subject,
      HtmlBody: MSG.html,
      TextBody: MSG.text,
      MessageStream: "outbound",
    });
    expect(((await second!.json()) as { MessageStream: string }).MessageStream).toBe("password-resets");
  });

  it("sendgrid: POST /v3/mail/send, Bearer key, personalizations, text before html, id from X-Message-Id", async () => {
    const calls = captureFetch(() => new Response(null, { status: 202, headers: { "X-Message-Id": "sg-1" } }));
    const mailer = await mailerWith({ MAIL_PROVIDER: "sendgrid", MAIL_API_KEY: "SG.key" });
    expect(await mailer.send(MSG, KEY)).toEqual({ status: "sent", providerMessageId: "sg-1" });
    const [req] = calls;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://api.sendgrid.com/v3/mail/send");
    expect(req!.headers.get("Authorization")).toBe("Bearer SG.key");
    expect(await req!.json()).toEqual({
      personalizations: [{ to: [{ email: MSG.to }] }],
      from: { email: "no-reply@acme.test", name: "Équipe Acme" },
      subject: MSG.subject,
      content: [
        { type: "text/plain", value: MSG.text },
        { type: "text/html", value: MSG.html },
      ],
    });
  });

  it("mailgun: multipart POST /v3/{domain}/messages, Basic api:KEY, EU region by base URL, domain from MAIL_FROM by default", async () => {
    const calls = captureFetch(() => Response.json({ id: "<20260115.1@mg.acme.test>", message: "Queued. Thank you." }));
    const eu = await mailerWith({
      MAIL_PROVIDER: "mailgun",
      MAIL_API_KEY: "key-123",
      MAIL_MAILGUN_DOMAIN: "mg.acme.test",
      MAIL_API_BASE_URL: "https://api.eu.mailgun.net",
    });
    expect(await eu.send(MSG, KEY)).toEqual({ status: "sent", providerMessageId: "<20260115.1@mg.acme.test>" });
    await (
      await mailerWith({ MAIL_PROVIDER: "mailgun", MAIL_API_KEY: "key-123", MAIL_FROM: "Acme <no-reply@Acme.Test>" })
    ).send(MSG, KEY);
    const [req, us] = calls;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://api.eu.mailgun.net/v3/mg.acme.test/messages");
    expect(req!.headers.get("Authorization")).toBe(`Basic ${btoa("api:key-123")}`);
    expect(req!.headers.get("Content-Type")).toMatch(/^multipart\/form-data; boundary=/);
    const form = await req!.formData();
    expect(Object.fromEntries([...form.entries()])).toEqual({
      from: MSG.from,
      to: MSG.to,
      subject: MSG.subject,
      text: MSG.text,
      html: MSG.html,
    });
    expect(us!.url).toBe("https://api.mailgun.net/v3/acme.test/messages");
  });

  it("brevo: POST /v3/smtp/email, api-key header, a UUID idempotencyKey stable per row", async () => {
    const calls = captureFetch(() =>
      Response.json({ messageId: "<202601151200.1@smtp-relay.mailin.fr>" }, { status: 201 }),
    );
    const mailer = await mailerWith({ MAIL_PROVIDER: "brevo", MAIL_API_KEY: "xkeysib-1" });
    expect(await mailer.send(MSG, KEY)).toEqual({
      status: "sent",
      providerMessageId: "<202601151200.1@smtp-relay.mailin.fr>",
    });
    await mailer.send(MSG, KEY);
    await mailer.send(MSG, "msg_another-row");
    const [req] = calls;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://api.brevo.com/v3/smtp/email");
    expect(req!.headers.get("api-key")).toBe("xkeysib-1");
    expect(req!.headers.get("Accept")).toBe("application/json");
    const uuid = await uuidFromKey(KEY);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(await req!.clone().json()).toEqual({
      sender: { email: "no-reply@acme.test", name: "Équipe Acme" },
      to: [{ email: MSG.to }],
      subject: MSG.subject,
      htmlContent: MSG.html,
      textContent: MSG.text,
      headers: { idempotencyKey: uuid },
    });
    const keys = await Promise.all(
      calls.map(async (r) => ((await r.json()) as { headers: { idempotencyKey: string } }).headers.idempotencyKey),
    );
    expect(keys[1]).toBe(keys[0]);
    expect(keys[2]).not.toBe(keys[0]);
  });

  it("ses: POST /v2/email/outbound-emails, SigV4 (ses, region) matching an independent implementation, RFC 2047 sender name", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2026-01-15T12:00:00Z"));
    const calls = captureFetch(() => Response.json({ MessageId: "0102-ses-1" }));
    const mailer = await mailerWith({
      MAIL_PROVIDER: "ses",
      MAIL_API_KEY: "AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
      MAIL_SES_REGION: "eu-west-1",
    });
    expect(await mailer.send(MSG, KEY)).toEqual({ status: "sent", providerMessageId: "0102-ses-1" });
    const [req] = calls;
    expect(req!.method).toBe("POST");
    expect(req!.url).toBe("https://email.eu-west-1.amazonaws.com/v2/email/outbound-emails");
    expect(req!.headers.get("Content-Type")).toBe("application/json");
    expect(req!.headers.get("X-Amz-Date")).toBe("20260115T120000Z");
    // Expected signature computed outside the Worker (Python hmac/hashlib SigV4 over this exact body).
    expect(req!.headers.get("Authorization")).toBe(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/eu-west-1/ses/aws4_request, SignedHeaders=host;x-amz-date, " +
        "Signature=2013adc2a6c7ef9d2c17f2901a073717e2c76debc7c5e2e07ace4a42cf20b329",
    );
    expect(await req!.text()).toBe(
      '{"FromEmailAddress":"=?UTF-8?B?w4lxdWlwZSBBY21l?= <no-reply@acme.test>",' +
        '"Destination":{"ToAddresses":["ada@example.com"]},' +
        '"Content":{"Simple":{"Subject":{"Data":"Reset your password","Charset":"UTF-8"},' +
        '"Body":{"Text":{"Data":"Hello Ada","Charset":"UTF-8"},' +
        '"Html":{"Data":"<p>Hello Ada</p>","Charset":"UTF-8"}}}}}',
    );
  });

  it("cloudflare: the send_email binding's structured builder, no fetch at all", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    const sent: unknown[] = [];
    const binding = {
      send: async (m: unknown) => {
        sent.push(m);
        return { messageId: "<cf-1@acme.test>" };
      },
    } as unknown as SendEmail;
    const mailer = await mailerWith({ MAIL_PROVIDER: "cloudflare", MAIL_API_KEY: "" }, binding);
    expect(await mailer.send(MSG, KEY)).toEqual({ status: "sent", providerMessageId: "<cf-1@acme.test>" });
    expect(sent).toEqual([
      {
        from: { email: "no-reply@acme.test", name: "Équipe Acme" },
        to: MSG.to,
        subject: MSG.subject,
        html: MSG.html,
        text: MSG.text,
      },
    ]);
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("cloudflare: the local workerd send_email binding (wrangler.toml [[send_email]]) accepts what we send", async () => {
    const binding = (env as unknown as { EMAIL: SendEmail }).EMAIL;
    const mailer = await mailerWith({ MAIL_PROVIDER: "cloudflare" }, binding);
    const result = await mailer.send(MSG, KEY);
    expect(result.status).toBe("sent");
  });

  it("MAIL_PROVIDER=cloudflare is all it takes to send through the send_email binding", async () => {
    const email = uniqueEmail("cf");
    const user = await createUser(email, strongPassword());
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    await api("/v1/password-resets", { json: { email }, env: { MAIL_PROVIDER: "cloudflare" } });
    const [row] = await rows<{ status: string; provider: string; payload: string | null; provider_message_id: string }>(
      "SELECT * FROM outbox WHERE user_id = ?",
      user.id,
    );
    expect(row).toMatchObject({ status: "sent", provider: "cloudflare", payload: null });
    expect(row!.provider_message_id).toBeTruthy();
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("never lets CR/LF from any header field reach a provider", async () => {
    const calls = captureFetch(() => Response.json({ id: "re_1" }));
    const mailer = await mailerWith({ MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key" });
    await mailer.send({ ...MSG, subject: "Hi\r\nBcc: evil@example.com", to: "ada@example.com\r\nX: y" }, KEY);
    const body = (await calls[0]!.json()) as { subject: string; to: string[] };
    expect(body.subject).toBe("Hi Bcc: evil@example.com");
    expect(body.to).toEqual(["ada@example.com X: y"]);
  });
});
