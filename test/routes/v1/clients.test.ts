import { afterEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../../src/crypto/tokens";
import {
  adminHeaders,
  api,
  basic,
  codeOf,
  newClient,
  newTenant,
  newUser,
  PRODUCTION,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

const PROD = PRODUCTION;
const RESEND = { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" };

afterEach(() => vi.restoreAllMocks());
type Problem = { code: string; errors?: { path: string; code: string }[] };

describe("/v1/clients", () => {
  it("creates a client: secrets shown once, stored hashed/sealed, never listed", async () => {
    const t = await newTenant();
    const res = await api("/v1/clients", {
      json: {
        name: "Acme",
        clientId: `acme-${crypto.randomUUID().slice(0, 6)}`,
        webhookUrl: "https://acme.example.com/hooks",
        businessId: 1000 + Math.floor(Math.random() * 1e8),
      },
      headers: t.headers,
    });
    expect(res.status).toBe(201);
    const c = (await res.json()) as { clientId: string; clientSecret: string; webhookSecret: string; tenantId: string };
    expect(c.tenantId).toBe(t.tenantId);
    expect(c.clientSecret).toMatch(/^cs_[A-Za-z0-9_-]{43}$/);
    expect(c.webhookSecret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const [row] = await rows<{ secret_hash: string; webhook_secret: string }>(
      "SELECT secret_hash, webhook_secret FROM clients WHERE id = ?",
      c.clientId,
    );
    expect(row!.secret_hash).toBe(await sha256Hex(c.clientSecret));
    expect(row!.webhook_secret).not.toContain(c.webhookSecret);
    const got = await (await api(`/v1/clients/${c.clientId}`, { headers: t.headers })).text();
    expect(got).not.toContain(c.clientSecret);
    expect(got).not.toContain(c.webhookSecret);
    expect(JSON.parse(got)).toMatchObject({
      clientId: c.clientId,
      hasSecret: true,
      webhookUrl: "https://acme.example.com/hooks",
    });
    // The new client's Basic credentials work (on the one client they may read: their own).
    expect((await api(`/v1/clients/${c.clientId}`, { headers: basic(c.clientId, c.clientSecret) })).status).toBe(200);
    // Ids and businessIds are unique.
    expect(
      await codeOf(await api("/v1/clients", { json: { name: "dup", clientId: c.clientId }, headers: t.headers })),
    ).toBe("CLIENT_EXISTS");
  });

  it("lists clients, including the default one, without secrets", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers, { webhookUrl: "https://list.example.com/hooks" });
    expect(c.webhookSecret).toBeTruthy();
    // The secrets as shown once, and as stored (hash, sealed webhook secret).
    const [stored] = await rows<{ secret_hash: string; webhook_secret: string }>(
      "SELECT secret_hash, webhook_secret FROM clients WHERE id = ?",
      c.clientId,
    );
    const secrets = [c.clientSecret, c.webhookSecret!, stored!.secret_hash, stored!.webhook_secret];
    expect(stored!.secret_hash).toBe(await sha256Hex(c.clientSecret));
    type Listed = { clients: Record<string, unknown>[] };
    const res = await api("/v1/clients", { headers: adminHeaders });
    expect(res.status).toBe(200);
    const { clients } = (await res.json()) as Listed;
    const def = clients.find((x) => x.clientId === "default")!;
    expect(def).toMatchObject({ tenantId: "default", issueLoginToken: true });
    const mine = clients.find((x) => x.clientId === c.clientId)!;
    expect(mine).toMatchObject({ tenantId: t.tenantId, hasSecret: true });
    const tenantList = ((await (await api("/v1/clients", { headers: t.headers })).json()) as Listed).clients;
    const got = await (await api(`/v1/clients/${c.clientId}`, { headers: t.headers })).json<Record<string, unknown>>();
    const secretKeys = ["secretHash", "clientSecret", "webhookSecret", "secret_hash", "webhook_secret"];
    for (const shown of [...clients, ...tenantList, got]) {
      for (const key of secretKeys) expect(shown).not.toHaveProperty(key);
    }
    // Whatever a field is called, no value (however deep) is a secret or the stored hash of one.
    const text = JSON.stringify([clients, tenantList, got]);
    for (const s of secrets) expect(text).not.toContain(s);
  });

  it("rotates the client secret (old one dies) and the webhook secret", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers);
    const rotated = await api(`/v1/clients/${c.clientId}/secret`, { method: "POST", headers: t.headers });
    expect(rotated.status).toBe(200);
    const { clientSecret } = (await rotated.json()) as { clientSecret: string };
    expect(clientSecret).not.toBe(c.clientSecret);
    const own = `/v1/clients/${c.clientId}`;
    expect((await api(own, { headers: basic(c.clientId, c.clientSecret) })).status).toBe(401);
    expect((await api(own, { headers: basic(c.clientId, clientSecret) })).status).toBe(200);
    const hook = (await (
      await api(`/v1/clients/${c.clientId}/webhook-secret`, { method: "POST", headers: t.headers })
    ).json()) as { webhookSecret: string };
    expect(hook.webhookSecret).toMatch(/^whsec_/);
    const types = await rows<{ type: string }>(
      "SELECT type FROM audit_events WHERE client_id = ? ORDER BY created_at",
      c.clientId,
    );
    expect(types.map((r) => r.type)).toEqual([
      "client.created",
      "client.secret_rotated",
      "client.webhook_secret_rotated",
    ]);
  });

  it("accepts only https URLs; http only for localhost in development; no fragments or credentials", async () => {
    const t = await newTenant();
    const bad = await api("/v1/clients", {
      json: {
        name: "x",
        resetUrl: "http://app.example.com/reset",
        redirectUris: ["https://ok.example.com/", "http://app.example.com/done", "https://app.example.com/#frag"],
        webhookUrl: "https://user:pw@hooks.example.com/",
      },
      headers: t.headers,
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as Problem;
    expect(problem.code).toBe("VALIDATION_FAILED");
    expect(problem.errors!.map((e) => `${e.path}:${e.code}`)).toEqual([
      "resetUrl:URL_NOT_HTTPS",
      "webhookUrl:INVALID_URL",
      "redirectUris.1:URL_NOT_HTTPS",
      "redirectUris.2:INVALID_URL",
    ]);
    const local = { name: "local", resetUrl: "http://localhost:3000/reset", redirectUris: ["http://127.0.0.1:3000/"] };
    expect((await api("/v1/clients", { json: local, headers: t.headers })).status).toBe(201);
    const prod = await api("/v1/clients", { json: local, headers: t.headers, env: PROD });
    expect(prod.status).toBe(400);
    expect(((await prod.json()) as Problem).errors!.every((e) => e.code === "URL_NOT_HTTPS")).toBe(true);
    expect(
      (await api("/v1/clients", { json: { name: "x", resetUrl: "javascript:alert(1)" }, headers: t.headers })).status,
    ).toBe(400);
  });

  it("sends only from the deployment's sender domains (MAIL_FROM_DOMAINS, default: MAIL_FROM's)", async () => {
    const t = await newTenant();
    const spoof = { name: "x", branding: { fromName: "Bank security", fromAddress: "security@bank.example" } };
    const refused = await api("/v1/clients", { json: spoof, headers: t.headers });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as Problem).errors).toEqual([
      expect.objectContaining({ path: "branding.fromAddress", code: "FROM_DOMAIN_NOT_ALLOWED" }),
    ]);
    // MAIL_FROM is no-reply@example.com here: its domain is allowed, case aside; a subdomain is not.
    const ok = await newClient(t.headers, { branding: { fromAddress: "Help@Example.COM" } });
    const sub = { name: "x", branding: { fromAddress: "help@mail.example.com" } };
    expect((await api("/v1/clients", { json: sub, headers: t.headers })).status).toBe(400);
    const patch = await api(`/v1/clients/${ok.clientId}`, {
      method: "PATCH",
      json: { branding: { fromAddress: "security@bank.example" } },
      headers: t.headers,
    });
    expect(patch.status).toBe(400);
    const listed = { MAIL_FROM_DOMAINS: "bank.example, example.com" };
    expect((await api("/v1/clients", { json: spoof, headers: t.headers, env: listed })).status).toBe(201);

    // A sender stored before (or allowed by an earlier MAIL_FROM_DOMAINS) is not used any more: MAIL_FROM is.
    const email = uniqueEmail("from-domain");
    const { clientId } = await newClient(t.headers, { branding: { fromAddress: "help@example.com" } });
    await newUser(t.headers, { email, password: strongPassword() });
    const narrowed = { MAIL_FROM_DOMAINS: "other.example" };
    expect((await api("/v1/password-resets", { json: { email, clientId }, env: narrowed })).status).toBe(202);
    const [mail] = await rows<{ from_address: string }>(
      "SELECT from_address FROM dev_mailbox WHERE to_address = ?",
      email,
    );
    expect(mail!.from_address).toBe("resetkit <no-reply@example.com>");
  });

  it("PATCH changes what links and emails use; null clears; bounds are validated", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers);
    const user = await newUser(t.headers, { password: strongPassword() });
    const patched = await api(`/v1/clients/${c.clientId}`, {
      method: "PATCH",
      json: {
        resetUrl: "https://app.example.com/reset",
        linkTtlSeconds: 900,
        branding: { productName: "Zephyr" },
        defaultLocale: "fr",
      },
      headers: t.headers,
    });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({
      resetUrl: "https://app.example.com/reset",
      linkTtlSeconds: 900,
      branding: { productName: "Zephyr" },
    });
    const { link } = await requestReset(user.email, { clientId: c.clientId });
    expect(link.startsWith("https://app.example.com/reset?token=")).toBe(true);
    const [rr] = await rows<{ expires_at: number; created_at: number }>(
      "SELECT expires_at, created_at FROM reset_requests WHERE user_id = ?",
      user.id,
    );
    expect(rr!.expires_at - rr!.created_at).toBe(900_000);
    await api(`/v1/clients/${c.clientId}`, { method: "PATCH", json: { resetUrl: null }, headers: t.headers });
    expect(
      (await requestReset(user.email, { clientId: c.clientId })).link.startsWith(
        "https://reset.example.test/reset-password?token=",
      ),
    ).toBe(true);
    const invalid = await api(`/v1/clients/${c.clientId}`, {
      method: "PATCH",
      json: { linkTtlSeconds: 5, passwordPolicy: { minLength: 4 } },
      headers: t.headers,
    });
    expect(((await invalid.json()) as Problem).errors!.map((e) => e.path).sort()).toEqual([
      "linkTtlSeconds",
      "passwordPolicy.minLength",
    ]);
  });

  it("DELETE invalidates the client's outstanding resets and drops their queued mail; the default client stays", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers);
    const email = uniqueEmail("orphan");
    const user = await newUser(t.headers, { email, password: strongPassword() });
    const { token } = await requestReset(email, { clientId: c.clientId });
    // A second request whose email is still queued (the provider is down).
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("down", { status: 503 }));
    await api("/v1/password-resets", { json: { email, clientId: c.clientId }, env: RESEND });
    vi.restoreAllMocks();
    expect((await api(`/v1/clients/${c.clientId}`, { method: "DELETE", headers: t.headers })).status).toBe(204);
    expect((await api(`/v1/clients/${c.clientId}`, { headers: t.headers })).status).toBe(404);
    const outbox = await rows<{ status: string; payload: string | null }>(
      "SELECT status, payload FROM outbox WHERE user_id = ? ORDER BY created_at",
      user.id,
    );
    expect(outbox.map((r) => r.status)).toEqual(["sent", "dropped"]);
    expect(outbox[1]!.payload).toBeNull();
    const res = await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
    expect(res.status).toBe(410);
    expect(await codeOf(res)).toBe("TOKEN_USED");
    const open = await rows(
      "SELECT id FROM reset_requests WHERE user_id = ? AND invalidated_at IS NULL AND consumed_at IS NULL",
      user.id,
    );
    expect(open).toEqual([]);
    const types = (await rows<{ type: string }>("SELECT type FROM audit_events WHERE client_id = ?", c.clientId)).map(
      (r) => r.type,
    );
    expect(types).toContain("client.deleted");
    expect(types).toContain("password_reset.invalidated");
    expect((await api("/v1/clients/default", { method: "DELETE", headers: adminHeaders })).status).toBe(403);
  });

  it("audits every change of where links, redirects, webhooks and branding point, and of the code budget: old value, new value, who", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers, { resetUrl: "https://app.example.com/reset" });
    const key = (await (
      await api("/v1/api-keys", { json: { name: "ops", scopes: ["clients:write"] }, headers: t.headers })
    ).json()) as { id: string; apiKey: string };
    const patch = (json: unknown, headers: Record<string, string>) =>
      api(`/v1/clients/${c.clientId}`, { method: "PATCH", json, headers });
    expect(
      (
        await patch(
          {
            resetUrl: "https://login.example.com/reset",
            redirectUris: ["https://app.example.com/done"],
            webhookUrl: "https://hooks.example.com/rk",
            branding: { productName: "Acme" },
            name: "Renamed",
          },
          { Authorization: `Bearer ${key.apiKey}` },
        )
      ).status,
    ).toBe(200);
    expect((await patch({ resetUrl: null, codeBudget: 100 }, adminHeaders)).status).toBe(200);
    // A PATCH that changes none of them records no value.
    expect((await patch({ name: "Again" }, t.headers)).status).toBe(200);
    const events = (
      await rows<{ data: string }>(
        "SELECT data FROM audit_events WHERE client_id = ? AND type = 'client.updated' ORDER BY created_at, rowid",
        c.clientId,
      )
    ).map((e) => JSON.parse(e.data) as Record<string, unknown>);
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      actor: { type: "api_key", id: key.id },
      changes: {
        resetUrl: { from: "https://app.example.com/reset", to: "https://login.example.com/reset" },
        redirectUris: { from: [], to: ["https://app.example.com/done"] },
        webhookUrl: { from: null, to: "https://hooks.example.com/rk" },
        branding: { from: {}, to: { productName: "Acme" } },
      },
    });
    expect(Object.keys(events[0]!.changes as object).sort()).toEqual([
      "branding",
      "redirectUris",
      "resetUrl",
      "webhookUrl",
    ]);
    expect(events[1]).toMatchObject({
      actor: { type: "root" },
      changes: { resetUrl: { from: "https://login.example.com/reset", to: null }, codeBudget: { from: 10, to: 100 } },
    });
    expect(events[2]!.changes).toBeUndefined();
    expect(events[2]!.actor).toMatchObject({ type: "api_key" });
  });
});
