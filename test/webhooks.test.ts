import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../src/index";
import { api, envWith, newClient, newTenant, newUser, resetMail, rows, strongPassword, type TestClient } from "./helpers";

const HOOK_URL = "https://hooks.example.com/resetkit";

/** The receiver side, exactly as the README shows it: recompute, compare in constant time, check the age. */
async function verifySignature(secret: string, body: string, header: string, toleranceSeconds = 300): Promise<boolean> {
  const parts = Object.fromEntries(header.split(",").map((kv) => kv.split("=") as [string, string]));
  const t = Number(parts.t);
  if (!Number.isFinite(t) || Math.abs(Date.now() / 1000 - t) > toleranceSeconds) return false;
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
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
  json: { id: string; type: string; tenantId: string; clientId: string; createdAt: string; data: Record<string, unknown> };
}

/** Captures webhook POSTs; `answer` decides each response. */
function receiver(answer: (n: number) => Response = () => new Response(null, { status: 204 })) {
  const deliveries: Delivery[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as string, init);
    const body = await req.text();
    deliveries.push({ url: req.url, headers: req.headers, body, json: JSON.parse(body) });
    return answer(deliveries.length);
  });
  return deliveries;
}

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }) as never, envWith(), ctx);
  await waitOnExecutionContext(ctx);
}

async function setup(): Promise<{ client: TestClient; user: { id: string; email: string }; headers: Record<string, string> }> {
  const t = await newTenant();
  const client = await newClient(t.headers, { webhookUrl: HOOK_URL });
  const user = await newUser(t.headers, { password: strongPassword(), clientId: client.clientId });
  return { client, user, headers: t.headers };
}

afterEach(() => vi.restoreAllMocks());

describe("webhooks", () => {
  it("password_reset.requested, .completed and user.password_changed arrive signed with the client's secret", async () => {
    const { client, user } = await setup();
    const deliveries = receiver();
    expect((await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } })).status).toBe(202);
    expect(deliveries.map((d) => d.json.type)).toEqual(["password_reset.requested"]);
    const [req] = deliveries;
    expect(req!.url).toBe(HOOK_URL);
    expect(req!.headers.get("Content-Type")).toBe("application/json");
    expect(req!.headers.get("Webhook-Id")).toBe(req!.json.id);
    expect(req!.headers.get("Webhook-Signature")).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(await verifySignature(client.webhookSecret!, req!.body, req!.headers.get("Webhook-Signature")!)).toBe(true);
    expect(await verifySignature(client.webhookSecret!, req!.body.replace("requested", "completed"), req!.headers.get("Webhook-Signature")!)).toBe(false);
    expect(await verifySignature("whsec_wrong", req!.body, req!.headers.get("Webhook-Signature")!)).toBe(false);
    expect(req!.json).toMatchObject({ clientId: client.clientId, tenantId: client.tenantId, data: { userId: user.id, email: user.email, kind: "self" } });
    expect(req!.body).not.toMatch(/token=|"code"/);

    const { token } = await resetMail(user.email);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
    expect(deliveries.map((d) => d.json.type)).toEqual(["password_reset.requested", "password_reset.completed", "user.password_changed"]);
    for (const d of deliveries) expect(await verifySignature(client.webhookSecret!, d.body, d.headers.get("Webhook-Signature")!)).toBe(true);
    const sent = await rows("SELECT id FROM audit_events WHERE client_id = ? AND type = 'webhook.sent'", client.clientId);
    expect(sent).toHaveLength(3);
  });

  it("retries a failing receiver with backoff through the outbox; same Webhook-Id, fresh valid signature", async () => {
    const { client, user } = await setup();
    const deliveries = receiver((n) => (n === 1 ? new Response("down", { status: 503 }) : new Response("ok")));
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    const [row] = await rows<{ id: string; status: string; attempts: number; next_attempt_at: number; channel: string; payload: string }>(
      "SELECT * FROM outbox WHERE client_id = ? AND channel = 'webhook'",
      client.clientId,
    );
    expect(row).toMatchObject({ status: "queued", attempts: 1 });
    expect(row!.next_attempt_at).toBeGreaterThan(Date.now());
    expect(row!.payload).not.toContain(user.email); // sealed at rest
    await runCron();
    expect(deliveries).toHaveLength(1); // not due yet
    await env.DB.prepare("UPDATE outbox SET next_attempt_at = ? WHERE id = ?").bind(Date.now() - 1, row!.id).run();
    await runCron();
    expect(deliveries).toHaveLength(2);
    expect(deliveries[1]!.headers.get("Webhook-Id")).toBe(deliveries[0]!.headers.get("Webhook-Id"));
    expect(deliveries[1]!.body).toBe(deliveries[0]!.body);
    expect(await verifySignature(client.webhookSecret!, deliveries[1]!.body, deliveries[1]!.headers.get("Webhook-Signature")!)).toBe(true);
    const [after] = await rows<{ status: string; payload: string | null }>("SELECT status, payload FROM outbox WHERE id = ?", row!.id);
    expect(after).toEqual({ status: "sent", payload: null });
    await env.DB.prepare("UPDATE outbox SET next_attempt_at = ? WHERE id = ?").bind(Date.now() - 1, row!.id).run();
    await runCron();
    expect(deliveries).toHaveLength(2); // never twice
  });

  it("a 4xx other than 408/409/425/429 is final: failed, audited, not retried", async () => {
    const { client, user } = await setup();
    const deliveries = receiver(() => new Response("gone", { status: 410 }));
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    const [row] = await rows<{ id: string; status: string }>("SELECT id, status FROM outbox WHERE client_id = ? AND channel = 'webhook'", client.clientId);
    expect(row!.status).toBe("failed");
    await env.DB.prepare("UPDATE outbox SET next_attempt_at = ? WHERE id = ?").bind(Date.now() - 1, row!.id).run();
    await runCron();
    expect(deliveries).toHaveLength(1);
    expect(await rows("SELECT id FROM audit_events WHERE type = 'webhook.failed' AND data LIKE ?", `%${row!.id}%`)).toHaveLength(1);
  });

  it("email.failed fires when an email can never be delivered", async () => {
    const { client, user } = await setup();
    const calls: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const req = new Request(input as string, init);
      calls.push(req.url);
      if (req.url.startsWith("https://mail.fake.test")) return Response.json({ message: "invalid to" }, { status: 422 });
      return new Response(null, { status: 204 });
    });
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId }, env: { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" } });
    await runCron();
    const hooks = await rows<{ template: string; status: string }>("SELECT template, status FROM outbox WHERE client_id = ? AND channel = 'webhook' ORDER BY created_at", client.clientId);
    expect(hooks).toEqual([
      { template: "password_reset.requested", status: "sent" },
      { template: "email.failed", status: "sent" },
    ]);
    expect(calls.filter((u) => u === HOOK_URL)).toHaveLength(2);
  });

  it("uses the rotated secret and the current URL for queued deliveries; none without a URL", async () => {
    const { client, user, headers } = await setup();
    const rotated = (await (await api(`/v1/clients/${client.clientId}/webhook-secret`, { method: "POST", headers })).json()) as { webhookSecret: string };
    const deliveries = receiver();
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    expect(await verifySignature(rotated.webhookSecret, deliveries[0]!.body, deliveries[0]!.headers.get("Webhook-Signature")!)).toBe(true);
    expect(await verifySignature(client.webhookSecret!, deliveries[0]!.body, deliveries[0]!.headers.get("Webhook-Signature")!)).toBe(false);
    await api(`/v1/clients/${client.clientId}`, { method: "PATCH", json: { webhookUrl: null }, headers });
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId } });
    expect(deliveries).toHaveLength(1);
  });
});
