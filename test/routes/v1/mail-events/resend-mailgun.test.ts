import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adminHeaders,
  api,
  clock,
  codeOf,
  envWith,
  rows,
  runCron,
  strongPassword,
  uniqueEmail,
} from "../../../helpers";
import {
  b64,
  fakeNetwork,
  footprint,
  hex,
  hmac,
  MAIL_BASE,
  requestBytes,
  sendOne,
  suppressionsOf,
  unix,
} from "./support";

const RESEND_KEY = crypto.getRandomValues(new Uint8Array(24));
const MAILGUN_KEY = "mailgun-signing-key-0123456789";
const SECRETS = JSON.stringify({ resend: `whsec_${b64(RESEND_KEY)}`, mailgun: MAILGUN_KEY });
const RESEND = {
  MAIL_PROVIDER: "resend",
  MAIL_API_KEY: "re_key",
  MAIL_API_BASE_URL: MAIL_BASE,
  MAIL_EVENT_SECRETS: SECRETS,
};
const MAILGUN = { ...RESEND, MAIL_PROVIDER: "mailgun", MAIL_API_KEY: "mg_key" };

const resendAnswer = () => Response.json({ id: crypto.randomUUID() });
const mailgunAnswer = () => Response.json({ id: `<${crypto.randomUUID()}@mg.example.com>`, message: "Queued" });

/** A Resend (Svix-signed) event; `ts` shifts the signed timestamp, `key` signs with another secret. */
async function resendEvent(
  type: string,
  data: Record<string, unknown>,
  opts: { shiftMs?: number; key?: Uint8Array; id?: string } = {},
) {
  const body = JSON.stringify({ type, created_at: new Date().toISOString(), data });
  const id = opts.id ?? `msg_${crypto.randomUUID()}`;
  const ts = unix(opts.shiftMs);
  const sig = b64(await hmac(opts.key ?? RESEND_KEY, `${id}.${ts}.${body}`));
  return api("/v1/mail-events/resend", {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", "svix-id": id, "svix-timestamp": ts, "svix-signature": `v1,${sig}` },
    env: RESEND,
  });
}

const resendBounce = (to: string, emailId: string, type = "Permanent") =>
  ({ email_id: emailId, to: [to], bounce: { type, subType: "General", message: "550" } }) as Record<string, unknown>;

/** A Mailgun event, its `signature` object signed with `key`. */
async function mailgunEvent(eventData: Record<string, unknown>, opts: { shiftMs?: number; key?: string } = {}) {
  const timestamp = unix(opts.shiftMs);
  const token = crypto.randomUUID().replace(/-/g, "");
  const signature = hex(await hmac(opts.key ?? MAILGUN_KEY, timestamp + token));
  return api("/v1/mail-events/mailgun", {
    json: { signature: { timestamp, token, signature }, "event-data": eventData },
    env: MAILGUN,
  });
}

const mailgunFailed = (to: string, messageId: string, severity = "permanent") => ({
  event: "failed",
  severity,
  recipient: to,
  message: { headers: { "message-id": messageId.replace(/^<|>$/g, "") } },
});

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/mail-events/resend", () => {
  it("a signed hard bounce suppresses the address: requests answer the same bytes and send nothing until the suppression is lifted", async () => {
    const fake = fakeNetwork(resendAnswer);
    const sent = await sendOne(RESEND, fake);
    const res = await resendEvent("email.bounced", resendBounce(sent.email, sent.providerMessageId));
    expect(res.status).toBe(200);
    const [s] = await suppressionsOf(sent.outboxId);
    expect(s).toMatchObject({ tenant_id: sent.tenant.tenantId, reason: "bounce", provider: "resend" });
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "bounced" });

    // The same bytes as for an address nobody has; nothing reaches the mail API.
    const mails = fake.mail.length;
    const unknown = await requestBytes(uniqueEmail("nobody"), sent.clientId, RESEND);
    expect(await requestBytes(sent.email, sent.clientId, RESEND)).toBe(unknown);
    expect(fake.mail.length).toBe(mails);
    const held = await rows<{ status: string; payload: string | null }>(
      "SELECT status, payload FROM outbox WHERE user_id = ? AND channel = 'email' ORDER BY created_at DESC LIMIT 1",
      sent.userId,
    );
    expect(held[0]).toEqual({ status: "suppressed", payload: null });
    const emails = (await (await api("/v1/emails?limit=100", { headers: sent.tenant.headers })).json()) as {
      emails: { id: string; status: string; providerEvent: string | null }[];
    };
    expect(emails.emails.find((e) => e.id === sent.outboxId)?.providerEvent).toBe("bounced");
    expect(emails.emails.some((e) => e.status === "suppressed")).toBe(true);

    // Listed masked; lifted by the tenant; the next request sends.
    const list = await api("/v1/suppressions", { headers: sent.tenant.headers });
    expect(list.status).toBe(200);
    const text = await list.text();
    expect(text).not.toContain(sent.email);
    const { suppressions } = JSON.parse(text) as { suppressions: { id: string; email: string; tenantId: string }[] };
    expect(suppressions).toHaveLength(1);
    expect(suppressions[0]).toMatchObject({ id: s!.id, tenantId: sent.tenant.tenantId });
    expect(suppressions[0]!.email).toMatch(/^\w\*\*\*\w@example\.com$/);
    expect((await api(`/v1/suppressions/${s!.id}`, { method: "DELETE", headers: sent.tenant.headers })).status).toBe(
      204,
    );
    expect((await api(`/v1/suppressions/${s!.id}`, { method: "DELETE", headers: sent.tenant.headers })).status).toBe(
      404,
    );
    await requestBytes(sent.email, sent.clientId, RESEND);
    expect(fake.mail.length).toBe(mails + 1);
    const [lifted] = await rows(
      "SELECT type FROM audit_events WHERE tenant_id = ? AND type = 'email.suppression_lifted'",
      sent.tenant.tenantId,
    );
    expect(lifted).toBeDefined();
  });

  it("a queued retry whose recipient bounced meanwhile is suppressed by the cron's claim, not sent", async () => {
    let down = false;
    const fake = fakeNetwork(() => (down ? new Response("down", { status: 503 }) : resendAnswer()));
    const sent = await sendOne(RESEND, fake);
    down = true;
    await requestBytes(sent.email, sent.clientId, RESEND);
    const [queued] = await rows<{ id: string; status: string }>(
      "SELECT id, status FROM outbox WHERE user_id = ? AND channel = 'email' AND id != ?",
      sent.userId,
      sent.outboxId,
    );
    expect(queued?.status).toBe("queued");
    await resendEvent("email.bounced", resendBounce(sent.email, sent.providerMessageId));
    down = false;
    const mails = fake.mail.length;
    clock.advance(10 * 60_000);
    await runCron(envWith(RESEND));
    expect(fake.mail.length).toBe(mails);
    const [after] = await rows<{ status: string; payload: string | null }>(
      "SELECT status, payload FROM outbox WHERE id = ?",
      queued!.id,
    );
    expect(after).toEqual({ status: "suppressed", payload: null });
  });

  it("every kind of email is held: an admin reset, and the password-changed notice of a reset completed with an earlier link", async () => {
    const fake = fakeNetwork(resendAnswer);
    const sent = await sendOne(RESEND, fake);
    const link = /token=([A-Za-z0-9_-]{43})/.exec(((await fake.mail[0]!.clone().json()) as { text: string }).text);
    await resendEvent("email.bounced", resendBounce(sent.email, sent.providerMessageId));
    const mails = fake.mail.length;
    const done = await api("/v1/password-resets/complete", {
      json: { token: link![1], newPassword: strongPassword(), clientId: sent.clientId },
      env: RESEND,
    });
    expect(done.status).toBe(200);
    const admin = await api(`/v1/users/${sent.userId}/password-reset?clientId=${sent.clientId}`, {
      method: "POST",
      headers: sent.tenant.headers,
      env: RESEND,
    });
    expect(admin.status).toBe(204);
    expect(fake.mail.length).toBe(mails);
    const held = await rows<{ template: string; status: string }>(
      "SELECT template, status FROM outbox WHERE user_id = ? AND channel = 'email' AND id != ? ORDER BY template",
      sent.userId,
      sent.outboxId,
    );
    expect(held).toEqual([
      { template: "admin_reset", status: "suppressed" },
      { template: "password_changed", status: "suppressed" },
    ]);
  });

  it("parallel duplicates record one suppression, one audit event and one client webhook", async () => {
    const fake = fakeNetwork(resendAnswer);
    const sent = await sendOne(RESEND, fake);
    const id = `msg_${crypto.randomUUID()}`;
    const results = await Promise.all(
      [1, 2, 3].map(() =>
        resendEvent("email.complained", { email_id: sent.providerMessageId, to: [sent.email] }, { id }),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "complained" });
    const hooks = await rows<{ status: string }>(
      "SELECT status FROM outbox WHERE client_id = ? AND template = 'email.complained'",
      sent.clientId,
    );
    expect(hooks).toHaveLength(1);
    // Delivered by the next cron run, like every webhook of the outbox.
    const before = fake.hooks.length;
    await runCron(envWith(RESEND));
    const bodies = await Promise.all(fake.hooks.slice(before).map((r) => r.clone().json()));
    const complained = bodies.filter((b) => (b as { type: string }).type === "email.complained");
    expect(complained).toHaveLength(1);
    expect(complained[0]).toMatchObject({
      tenantId: sent.tenant.tenantId,
      clientId: sent.clientId,
      data: { messageId: sent.outboxId, template: "reset", userId: sent.userId, email: sent.email, provider: "resend" },
    });
  });

  it("a wrong signature, a stale timestamp or missing headers: 401 and nothing recorded", async () => {
    const fake = fakeNetwork(resendAnswer);
    const sent = await sendOne(RESEND, fake);
    const bounce = resendBounce(sent.email, sent.providerMessageId);
    const wrong = await resendEvent("email.bounced", bounce, { key: crypto.getRandomValues(new Uint8Array(24)) });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe("INVALID_SIGNATURE");
    expect(wrong.headers.get("Content-Type")).toContain("application/problem+json");
    for (const shiftMs of [-6 * 60_000, 6 * 60_000]) {
      const stale = await resendEvent("email.bounced", bounce, { shiftMs });
      expect(stale.status).toBe(401);
      expect(await codeOf(stale)).toBe("INVALID_SIGNATURE");
    }
    const unsigned = await api("/v1/mail-events/resend", {
      json: { type: "email.bounced", data: bounce },
      env: RESEND,
    });
    expect(unsigned.status).toBe(401);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
  });

  it("soft bounces change nothing; a delivery is recorded once; an unknown provider is 404, an unconfigured one 401", async () => {
    const fake = fakeNetwork(resendAnswer);
    const sent = await sendOne(RESEND, fake);
    expect(
      (await resendEvent("email.bounced", resendBounce(sent.email, sent.providerMessageId, "Transient"))).status,
    ).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
    for (let i = 0; i < 2; i++)
      await resendEvent("email.delivered", { email_id: sent.providerMessageId, to: [sent.email] });
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 1, providerEvent: "delivered" });
    expect((await api("/v1/mail-events/nope", { json: {}, env: RESEND })).status).toBe(404);
    const unconfigured = await api("/v1/mail-events/postmark", { json: {}, env: RESEND });
    expect(unconfigured.status).toBe(401);
    expect(await codeOf(unconfigured)).toBe("INVALID_SIGNATURE");
  });

  it("a bounce naming no message of ours suppresses the address for every tenant; only the root key lifts it", async () => {
    const fake = fakeNetwork(resendAnswer);
    const sent = await sendOne(RESEND, fake);
    const other = await sendOne(RESEND, fake);
    // The other tenant's user gets a bounce for a message id resetkit never stored.
    await resendEvent("email.bounced", resendBounce(other.email, crypto.randomUUID()));
    const [global] = await rows<{ id: string; tenant_id: string }>(
      "SELECT id, tenant_id FROM suppressions WHERE message_id IS NULL ORDER BY created_at DESC LIMIT 1",
    );
    expect(global?.tenant_id).toBe("*");
    const mails = fake.mail.length;
    await requestBytes(other.email, other.clientId, RESEND);
    expect(fake.mail.length).toBe(mails);
    const seen = (await (await api("/v1/suppressions?limit=100", { headers: sent.tenant.headers })).json()) as {
      suppressions: { id: string; tenantId: string | null }[];
    };
    expect(seen.suppressions.find((s) => s.id === global!.id)?.tenantId).toBeNull();
    const refused = await api(`/v1/suppressions/${global!.id}`, { method: "DELETE", headers: sent.tenant.headers });
    expect(refused.status).toBe(403);
    expect((await api(`/v1/suppressions/${global!.id}`, { method: "DELETE", headers: adminHeaders })).status).toBe(204);
    await requestBytes(other.email, other.clientId, RESEND);
    expect(fake.mail.length).toBe(mails + 1);
  });

  it("suppressions are tenant-scoped and need the emails scopes", async () => {
    const fake = fakeNetwork(resendAnswer);
    const a = await sendOne(RESEND, fake);
    const b = await sendOne(RESEND, fake);
    await resendEvent("email.bounced", resendBounce(a.email, a.providerMessageId));
    const [s] = await suppressionsOf(a.outboxId);
    const seenByB = (await (await api("/v1/suppressions?limit=100", { headers: b.tenant.headers })).json()) as {
      suppressions: { id: string }[];
    };
    expect(seenByB.suppressions.some((x) => x.id === s!.id)).toBe(false);
    expect((await api(`/v1/suppressions/${s!.id}`, { method: "DELETE", headers: b.tenant.headers })).status).toBe(404);
    expect((await api("/v1/suppressions")).status).toBe(401);
    const bad = await api("/v1/suppressions?cursor=nope", { headers: a.tenant.headers });
    expect(bad.status).toBe(400);
  });
});

describe("POST /v1/mail-events/mailgun", () => {
  it("a signed permanent failure suppresses; a temporary one does not", async () => {
    const fake = fakeNetwork(mailgunAnswer);
    const sent = await sendOne(MAILGUN, fake);
    expect((await mailgunEvent(mailgunFailed(sent.email, sent.providerMessageId, "temporary"))).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
    expect((await mailgunEvent(mailgunFailed(sent.email, sent.providerMessageId))).status).toBe(200);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 1, audits: 1, providerEvent: "bounced" });
    const mails = fake.mail.length;
    await requestBytes(sent.email, sent.clientId, MAILGUN);
    expect(fake.mail.length).toBe(mails);
  });

  it("a wrong signing key or a stale timestamp: 401 and nothing recorded", async () => {
    const fake = fakeNetwork(mailgunAnswer);
    const sent = await sendOne(MAILGUN, fake);
    const event = mailgunFailed(sent.email, sent.providerMessageId);
    const wrong = await mailgunEvent(event, { key: "another-signing-key-000" });
    expect(wrong.status).toBe(401);
    expect(await codeOf(wrong)).toBe("INVALID_SIGNATURE");
    const stale = await mailgunEvent(event, { shiftMs: -10 * 60_000 });
    expect(stale.status).toBe(401);
    const unsigned = await api("/v1/mail-events/mailgun", { json: { "event-data": event }, env: MAILGUN });
    expect(unsigned.status).toBe(401);
    expect(await footprint(sent.outboxId)).toEqual({ suppressions: 0, audits: 0, providerEvent: null });
  });
});
