import { afterEach, describe, expect, it, vi } from "vitest";
import {
  api,
  captureFetch,
  clock,
  mailTo,
  newClient,
  newTenant,
  newUser,
  resetMail,
  rows,
  runCron,
  strongPassword,
  type TestClient,
} from "../helpers";

const HOOKS = "https://hooks.example.com/resetkit";
const HOUR = 3_600_000;

/** The receiver side, exactly as the README shows it: recompute, compare in constant time, check the age. */
async function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300): Promise<boolean> {
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=") as [string, string]));
  const t = Number(parts.t);
  // The receiver lives in the test's time (the clock), like the Worker that signed.
  if (!Number.isFinite(t) || Math.abs(clock.now() / 1000 - t) > toleranceSeconds) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${t}.${body}`)));
  const expected = Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("");
  const a = new TextEncoder().encode(expected);
  const b = new TextEncoder().encode(parts.v1 ?? "");
  return a.length === b.length && crypto.subtle.timingSafeEqual(a, b);
}

interface Delivery {
  url: string;
  headers: Headers;
  body: string;
  json: {
    id: string;
    type: string;
    tenantId: string;
    clientId: string;
    createdAt: string;
    data: Record<string, unknown>;
  };
}

/**
 * Captures the webhook POSTs to `url`; `answer` decides each response. Every test has its own URL:
 * a delivery some earlier test left queued (made due by this test's clock moves) is answered 204
 * and not recorded.
 */
function receiver(url: string, answer: (n: number) => Response = () => new Response(null, { status: 204 })) {
  const deliveries: Delivery[] = [];
  captureFetch(async (req) => {
    if (req.url !== url) return new Response(null, { status: 204 });
    const body = await req.text();
    deliveries.push({ url: req.url, headers: req.headers, body, json: JSON.parse(body) });
    return answer(deliveries.length);
  });
  return deliveries;
}

interface Setup {
  client: TestClient;
  user: { id: string; email: string };
  headers: Record<string, string>;
  hookUrl: string;
}

async function setup(): Promise<Setup> {
  const hookUrl = `${HOOKS}/${crypto.randomUUID().slice(0, 8)}`;
  const t = await newTenant();
  const client = await newClient(t.headers, { webhookUrl: hookUrl });
  const user = await newUser(t.headers, { password: strongPassword(), clientId: client.clientId });
  return { client, user, headers: t.headers, hookUrl };
}

interface HookRow {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  payload: string | null;
  last_error: string | null;
}

const hookRows = (clientId: string) =>
  rows<HookRow>("SELECT * FROM outbox WHERE client_id = ? AND channel = 'webhook' ORDER BY created_at", clientId);

/** Moves the test clock just past an instant (a row's next attempt). */
const advancePast = (at: number) => clock.advance(Math.max(0, at - clock.now()) + 1);

afterEach(() => vi.restoreAllMocks());

describe("webhooks through the outbox", () => {
  it("password_reset.requested, .completed and user.password_changed arrive signed with the client's secret", async () => {
    const { client, user, hookUrl } = await setup();
    const deliveries = receiver(hookUrl);
    const res = await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    expect(res.status).toBe(202);
    expect(deliveries.map((d) => d.json.type)).toEqual(["password_reset.requested"]);
    const [req] = deliveries;
    const signature = req!.headers.get("Webhook-Signature")!;
    expect(req!.url).toBe(hookUrl);
    expect(req!.headers.get("Content-Type")).toBe("application/json");
    expect(req!.headers.get("Webhook-Id")).toBe(req!.json.id);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifySignature(client.webhookSecret!, req!.body, signature)).toBe(true);
    expect(await verifySignature(client.webhookSecret!, req!.body.replace("requested", "completed"), signature)).toBe(
      false,
    );
    expect(await verifySignature("whsec_wrong", req!.body, signature)).toBe(false);
    expect(req!.json).toMatchObject({
      clientId: client.clientId,
      tenantId: client.tenantId,
      data: { userId: user.id, email: user.email, kind: "self" },
    });
    expect(req!.body).not.toMatch(/token=|"code"/);

    const { token } = await resetMail(user.email);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
    expect(deliveries.map((d) => d.json.type)).toEqual([
      "password_reset.requested",
      "password_reset.completed",
      "user.password_changed",
    ]);
    for (const d of deliveries) {
      expect(await verifySignature(client.webhookSecret!, d.body, d.headers.get("Webhook-Signature")!)).toBe(true);
    }
    const sent = await rows(
      "SELECT id FROM audit_events WHERE client_id = ? AND type = 'webhook.sent'",
      client.clientId,
    );
    expect(sent).toHaveLength(3);
  });

  it("retries a failing receiver with backoff through the outbox; same Webhook-Id, fresh valid signature", async () => {
    const { client, user, hookUrl } = await setup();
    const deliveries = receiver(hookUrl, (n) => (n === 1 ? new Response("down", { status: 503 }) : new Response("ok")));
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    const [row] = await hookRows(client.clientId);
    expect(row).toMatchObject({ status: "queued", attempts: 1 });
    expect(row!.next_attempt_at).toBeGreaterThan(clock.now());
    expect(row!.payload).not.toContain(user.email); // sealed at rest
    await runCron();
    expect(deliveries).toHaveLength(1); // not due yet
    advancePast(row!.next_attempt_at);
    await runCron();
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]!.headers.get("Webhook-Id")).toBe(deliveries[0]!.headers.get("Webhook-Id"));
    expect(deliveries[1]!.body).toBe(deliveries[0]!.body);
    const signature = deliveries[1]!.headers.get("Webhook-Signature")!;
    expect(await verifySignature(client.webhookSecret!, deliveries[1]!.body, signature)).toBe(true);
    const [after] = await rows<{ status: string; payload: string | null }>(
      "SELECT status, payload FROM outbox WHERE id = ?",
      row!.id,
    );
    expect(after).toEqual({ status: "sent", payload: null });
    clock.advance(2 * HOUR); // past any backoff: a row still queued would be sent again
    await runCron();
    expect(deliveries).toHaveLength(2); // never twice
  });

  const retryAfters: [string, number, () => string][] = [
    ["seconds", 503, () => "600"],
    ["an HTTP date", 429, () => new Date(clock.now() + 600_000).toUTCString()],
  ];
  it.each(retryAfters)("waits for a receiver's Retry-After given as %s", async (_form, status, retryAfter) => {
    const { client, user, hookUrl } = await setup();
    const deliveries = receiver(hookUrl, (n) =>
      n === 1
        ? new Response(null, { status, headers: { "Retry-After": retryAfter() } })
        : new Response(null, { status: 204 }),
    );
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    expect(deliveries).toHaveLength(1);
    // The backoff alone would make the row due within 30 s; the receiver asked for 10 minutes.
    clock.advance(590_000);
    await runCron();
    expect(deliveries).toHaveLength(1);
    expect((await hookRows(client.clientId))[0]).toMatchObject({ status: "queued", attempts: 1 });
    clock.advance(11_000);
    await runCron();
    expect(deliveries).toHaveLength(2);
    expect((await hookRows(client.clientId))[0]).toMatchObject({ status: "sent", attempts: 2 });
  });

  it("never stores what a receiver answered: last_error and audit events say the status only", async () => {
    const { client, user, hookUrl } = await setup();
    const secret = `receiver-internal-${crypto.randomUUID()}`;
    const answer = (status: number) =>
      new Response(`${secret} for ${user.email}`, { status, headers: { "X-Debug": secret } });
    const deliveries = receiver(hookUrl, (n) => answer(n === 1 ? 503 : 410));
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    const [row] = await hookRows(client.clientId);
    expect(row).toMatchObject({ status: "queued", last_error: "HTTP 503" });
    advancePast(row!.next_attempt_at);
    await runCron();
    expect(deliveries).toHaveLength(2);
    const [after] = await hookRows(client.clientId);
    expect(after).toMatchObject({ status: "failed", last_error: "HTTP 410" });
    const events = await rows<{ type: string; data: string }>(
      "SELECT type, data FROM audit_events WHERE client_id = ? AND type LIKE 'webhook.%'",
      client.clientId,
    );
    expect(events.map((e) => e.type)).toEqual(["webhook.failed"]);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ error: "HTTP 410" });
    expect(JSON.stringify([after, events])).not.toContain(secret);
  });

  it("a 4xx other than 408/409/425/429 is final: failed, audited, not retried", async () => {
    const { client, user, hookUrl } = await setup();
    const deliveries = receiver(hookUrl, () => new Response("gone", { status: 410 }));
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    const [row] = await hookRows(client.clientId);
    expect(row!.status).toBe("failed");
    clock.advance(2 * HOUR); // past any backoff: a row wrongly left queued would be sent again
    await runCron();
    expect(deliveries).toHaveLength(1);
    const failed = await rows(
      "SELECT id FROM audit_events WHERE type = 'webhook.failed' AND data LIKE ?",
      `%${row!.id}%`,
    );
    expect(failed).toHaveLength(1);
  });

  it("email.failed fires when an email can never be delivered", async () => {
    const { client, user, hookUrl } = await setup();
    const calls = captureFetch((req) =>
      req.url.startsWith("https://mail.fake.test")
        ? Response.json({ message: "invalid to" }, { status: 422 })
        : new Response(null, { status: 204 }),
    );
    await api("/v1/password-resets", {
      json: { email: user.email, clientId: client.clientId },
      env: { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" },
    });
    await runCron();
    const hooks = await rows<{ template: string; status: string }>(
      "SELECT template, status FROM outbox WHERE client_id = ? AND channel = 'webhook' ORDER BY created_at",
      client.clientId,
    );
    expect(hooks).toEqual([
      { template: "password_reset.requested", status: "sent" },
      { template: "email.failed", status: "sent" },
    ]);
    expect(calls.filter((r) => r.url === hookUrl)).toHaveLength(2);
  });

  it("uses the rotated secret and the current URL for queued deliveries; none without a URL", async () => {
    const { client, user, headers, hookUrl } = await setup();
    const rotate = await api(`/v1/clients/${client.clientId}/webhook-secret`, { method: "POST", headers });
    const rotated = (await rotate.json()) as { webhookSecret: string };
    const deliveries = receiver(hookUrl);
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    const signature = deliveries[0]!.headers.get("Webhook-Signature")!;
    expect(await verifySignature(rotated.webhookSecret, deliveries[0]!.body, signature)).toBe(true);
    expect(await verifySignature(client.webhookSecret!, deliveries[0]!.body, signature)).toBe(false);
    await api(`/v1/clients/${client.clientId}`, { method: "PATCH", json: { webhookUrl: null }, headers });
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    // The second reset did happen (its email went out), yet no delivery was queued or made for it.
    expect((await mailTo(user.email)).filter((m) => /token=/.test(m.text))).toHaveLength(2);
    expect(await hookRows(client.clientId)).toHaveLength(1);
    expect(deliveries).toHaveLength(1);
  });
});
