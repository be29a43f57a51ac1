import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/crypto/tokens";
import { adminHeaders, api, basic, clock, codeOf, newClient, newTenant, rows } from "../../helpers";

describe("POST /v1/tenants and tenant API keys", () => {
  it("root only: creates a tenant and its first key (shown once, rk_live_, stored as SHA-256)", async () => {
    const res = await api("/v1/tenants", { json: { name: "Second product" }, headers: adminHeaders });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { tenantId: string; apiKey: string; apiKeyId: string };
    expect(body.apiKey).toMatch(/^rk_live_[A-Za-z0-9_-]{43}$/);
    const [row] = await rows<{ key_hash: string; prefix: string }>(
      "SELECT key_hash, prefix FROM api_keys WHERE id = ?",
      body.apiKeyId,
    );
    expect(row!.key_hash).toBe(await sha256Hex(body.apiKey));
    expect(row!.prefix).toBe(body.apiKey.slice(0, 12));
    const dump =
      JSON.stringify(await rows("SELECT * FROM api_keys")) +
      JSON.stringify(await rows("SELECT data FROM audit_events"));
    expect(dump).not.toContain(body.apiKey);

    const tenant = { Authorization: `Bearer ${body.apiKey}` };
    expect((await api("/v1/tenants", { json: { name: "x" }, headers: tenant })).status).toBe(403);
    expect((await api("/v1/tenants", { json: { name: "x" } })).status).toBe(401);
    expect(
      await codeOf(await api("/v1/tenants", { json: { name: "again", tenantId: "default" }, headers: adminHeaders })),
    ).toBe("TENANT_EXISTS");
    const c = await newClient(tenant);
    expect((await api("/v1/tenants", { json: { name: "x" }, headers: basic(c.clientId, c.clientSecret) })).status).toBe(
      403,
    );
  });

  it("creates, lists (never the key) and revokes keys; a revoked key is refused at once", async () => {
    const t = await newTenant();
    const created = await api("/v1/api-keys", { json: { name: "ci" }, headers: t.headers });
    expect(created.status).toBe(201);
    const key = (await created.json()) as { id: string; apiKey: string; prefix: string };
    const list = (await (await api("/v1/api-keys", { headers: t.headers })).json()) as {
      apiKeys: Record<string, unknown>[];
    };
    expect(list.apiKeys.map((k) => k.name).sort()).toEqual(["ci", "initial key"]);
    expect(JSON.stringify(list)).not.toContain(key.apiKey);
    const second = { Authorization: `Bearer ${key.apiKey}` };
    expect((await api("/v1/clients", { headers: second })).status).toBe(200);
    expect((await api(`/v1/api-keys/${key.id}`, { method: "DELETE", headers: t.headers })).status).toBe(204);
    const refused = await api("/v1/clients", { headers: second });
    expect(refused.status).toBe(401);
    expect(await codeOf(refused)).toBe("UNAUTHORIZED");
    expect((await api(`/v1/api-keys/${key.id}`, { method: "DELETE", headers: t.headers })).status).toBe(404);
    const events = await rows<{ type: string }>(
      "SELECT type FROM audit_events WHERE tenant_id = ? AND type LIKE 'api_key.%' ORDER BY created_at",
      t.tenantId,
    );
    expect(events.map((e) => e.type)).toEqual(["api_key.created", "api_key.created", "api_key.revoked"]);
  });
});

describe("tenant quotas (TENANT_QUOTAS) and the admin write rate limit", () => {
  const QUOTAS = { TENANT_QUOTAS: JSON.stringify({ users: 3, clients: 2, apiKeys: 2, importsPerDay: 2 }) };
  const post = (path: string, json: unknown, headers: Record<string, string>) =>
    api(path, { json, headers, env: QUOTAS });

  it("users: concurrent creations stop at the quota (403 QUOTA_EXCEEDED); imports count too", async () => {
    const t = await newTenant();
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post("/v1/users", { email: `q${i}-${crypto.randomUUID()}@example.com` }, t.headers),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([201, 201, 201, 403, 403, 403]);
    const refused = results.find((r) => r.status === 403)!;
    expect(await codeOf(refused)).toBe("QUOTA_EXCEEDED");
    expect((await rows("SELECT id FROM users WHERE tenant_id = ?", t.tenantId)).length).toBe(3);

    const other = await newTenant();
    const imp = (n: number) =>
      post(
        "/v1/users/import",
        { users: Array.from({ length: n }, () => ({ email: `i-${crypto.randomUUID()}@example.com` })) },
        other.headers,
      );
    expect(await codeOf(await imp(4))).toBe("QUOTA_EXCEEDED");
    expect((await imp(2)).status).toBe(200);
    expect(
      await codeOf(await post("/v1/users", { email: `x-${crypto.randomUUID()}@example.com` }, other.headers)),
    ).not.toBe("QUOTA_EXCEEDED");
    expect(await codeOf(await imp(1))).toBe("QUOTA_EXCEEDED"); // 3 users: full
  });

  it("imports per day, clients and live API keys have their quotas; a revoked key frees its place", async () => {
    const t = await newTenant();
    const imp = () =>
      post("/v1/users/import", { users: [{ email: `d-${crypto.randomUUID()}@example.com` }] }, t.headers);
    expect((await imp()).status).toBe(200);
    expect((await imp()).status).toBe(200);
    expect(await codeOf(await imp())).toBe("QUOTA_EXCEEDED");
    clock.advance(86_400_000 + 1_000);
    expect((await imp()).status).toBe(200);

    const clients = await Promise.all([1, 2, 3].map((i) => post("/v1/clients", { name: `c${i}` }, t.headers)));
    expect(clients.map((r) => r.status).sort()).toEqual([201, 201, 403]);
    // The first key came with the tenant: one more fits.
    const key = await post("/v1/api-keys", { name: "second" }, t.headers);
    expect(key.status).toBe(201);
    expect(await codeOf(await post("/v1/api-keys", { name: "third" }, t.headers))).toBe("QUOTA_EXCEEDED");
    const { id } = (await key.json()) as { id: string };
    expect((await api(`/v1/api-keys/${id}`, { method: "DELETE", headers: t.headers, env: QUOTAS })).status).toBe(204);
    expect((await post("/v1/api-keys", { name: "third" }, t.headers)).status).toBe(201);
  });

  it("admin writes are rate-limited per tenant (adminWritesPerTenant); reads and other tenants are not", async () => {
    const limits = { RATE_LIMITS: JSON.stringify({ adminWritesPerTenant: "3/15m" }) };
    const [a, b] = [await newTenant(), await newTenant()];
    const create = (t: { headers: Record<string, string> }) =>
      api("/v1/users", { json: { email: `rl-${crypto.randomUUID()}@example.com` }, headers: t.headers, env: limits });
    for (let i = 0; i < 3; i++) expect((await create(a)).status).toBe(201);
    const limited = await create(a);
    expect(limited.status).toBe(429);
    expect(await codeOf(limited)).toBe("RATE_LIMITED");
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect((await api("/v1/clients", { headers: a.headers, env: limits })).status).toBe(200);
    expect((await create(b)).status).toBe(201);
  });
});
