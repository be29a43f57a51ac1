import { describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/crypto/tokens";
import { adminHeaders, api, basic, codeOf, newClient, newTenant, rows } from "../../helpers";

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
