import { describe, expect, it } from "vitest";
import {
  adminHeaders,
  api,
  basic,
  codeOf,
  mailTo,
  newClient,
  newTenant,
  newUser,
  type Problem,
  rows,
  strongPassword,
} from "../helpers";

// Issue 11 §1: least-privilege admin credentials. Tenant API keys carry scopes; Basic client
// credentials only start the seed-004 reset through their own client and read that client.

const ALL_SCOPES = [
  "users:read",
  "users:write",
  "resets:write",
  "clients:read",
  "clients:write",
  "keys:write",
  "events:read",
  "emails:read",
  "emails:write",
];

/** A key of the tenant with exactly these scopes (minted with the tenant's first key). */
async function keyWith(tenantHeaders: Record<string, string>, scopes: string[]): Promise<Record<string, string>> {
  const res = await api("/v1/api-keys", {
    json: { name: `k-${scopes.join("+") || "none"}`, scopes },
    headers: tenantHeaders,
  });
  expect(res.status).toBe(201);
  const { apiKey } = (await res.json()) as { apiKey: string };
  return { Authorization: `Bearer ${apiKey}` };
}

/** Expects a 403 INSUFFICIENT_SCOPE naming the scope it needed. */
async function expectInsufficient(res: Response, scope: string, what: string) {
  expect(res.status, what).toBe(403);
  const body = (await res.json()) as Problem;
  expect(body.code, what).toBe("INSUFFICIENT_SCOPE");
  expect(body.detail, what).toContain(scope);
}

/** Two clients X and Y of one tenant, a user, and X's Basic credentials. */
async function setup() {
  const t = await newTenant("Scopes");
  const x = await newClient(t.headers, { name: "X backend" });
  const y = await newClient(t.headers, { name: "Y web", resetUrl: "https://y.example.com/reset" });
  const user = await newUser(t.headers, { password: strongPassword() });
  return { t, x, y, user, xBasic: basic(x.clientId, x.clientSecret) };
}

describe("Basic client credentials are narrow", () => {
  it("cannot mint an API key, repoint another client or reset through it (the takeover chain)", async () => {
    const { t, x, y, user, xBasic } = await setup();
    await expectInsufficient(
      await api("/v1/api-keys", { json: { name: "persist" }, headers: xBasic }),
      "keys:write",
      "POST /v1/api-keys",
    );
    await expectInsufficient(
      await api(`/v1/clients/${y.clientId}`, {
        method: "PATCH",
        json: { resetUrl: "https://evil.example/steal" },
        headers: xBasic,
      }),
      "clients:write",
      "PATCH another client",
    );
    await expectInsufficient(
      await api(`/v1/users/${user.id}/password-reset?clientId=${y.clientId}`, { method: "POST", headers: xBasic }),
      "resets:write",
      "admin reset through another client",
    );
    // Nothing happened: no key, Y's link target unchanged, no email.
    expect(await rows("SELECT id FROM api_keys WHERE tenant_id = ?", t.tenantId)).toHaveLength(1);
    expect((await rows<{ u: string }>("SELECT reset_url AS u FROM clients WHERE id = ?", y.clientId))[0]!.u).toBe(
      "https://y.example.com/reset",
    );
    expect(await mailTo(user.email)).toEqual([]);
    // Its own client's route works (seed 004), and so does reading its own client.
    const own = await api(`/v1/users/${user.id}/password-reset?clientId=${x.clientId}`, {
      method: "POST",
      headers: xBasic,
    });
    expect(own.status).toBe(204);
    expect(await mailTo(user.email)).toHaveLength(1);
    const read = await api(`/v1/clients/${x.clientId}`, { headers: xBasic });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { clientId: string }).clientId).toBe(x.clientId);
  });

  it("answer 403 INSUFFICIENT_SCOPE on every other admin route", async () => {
    const { x, y, user, xBasic } = await setup();
    const cases: [string, string, string, unknown?][] = [
      ["GET", "/v1/clients", "clients:read"],
      ["POST", "/v1/clients", "clients:write", { name: "mine now" }],
      ["GET", `/v1/clients/${y.clientId}`, "clients:read"],
      ["PATCH", `/v1/clients/${x.clientId}`, "clients:write", { resetUrl: "https://evil.example/steal" }],
      ["DELETE", `/v1/clients/${x.clientId}`, "clients:write"],
      ["POST", `/v1/clients/${x.clientId}/secret`, "clients:write"],
      ["POST", `/v1/clients/${x.clientId}/webhook-secret`, "clients:write"],
      ["GET", "/v1/api-keys", "keys:write"],
      ["DELETE", "/v1/api-keys/key_whatever", "keys:write"],
      ["POST", "/v1/users", "users:write", { email: "new@example.com" }],
      ["POST", "/v1/users/import", "users:write", { users: [{ email: "imp@example.com" }] }],
      ["GET", `/v1/users/${user.id}`, "users:read"],
      ["PATCH", `/v1/users/${user.id}`, "users:write", { email: "evil@example.com" }],
      ["DELETE", `/v1/users/${user.id}`, "users:write"],
      ["GET", `/v1/users/${user.id}/events`, "events:read"],
      ["GET", "/v1/events", "events:read"],
      ["GET", "/v1/emails", "emails:read"],
      ["POST", "/v1/emails/out_whatever/retry", "emails:write"],
    ];
    for (const [method, path, scope, json] of cases)
      await expectInsufficient(
        await api(path, { method, headers: xBasic, ...(json ? { json } : {}) }),
        scope,
        `${method} ${path}`,
      );
    // Still there, untouched.
    expect((await rows<{ e: string }>("SELECT email AS e FROM users WHERE id = ?", user.id))[0]!.e).toBe(user.email);
    expect(await rows("SELECT id FROM clients WHERE id = ?", x.clientId)).toHaveLength(1);
  });
});

describe("scoped API keys", () => {
  it("each admin route needs its scope: a key lacking only that scope gets 403, one holding only it gets past", async () => {
    const { t, x, user } = await setup();
    const routes: [string, string, string, unknown?][] = [
      ["GET", "/v1/clients", "clients:read"],
      ["GET", `/v1/clients/${x.clientId}`, "clients:read"],
      ["PATCH", `/v1/clients/${x.clientId}`, "clients:write", { name: "renamed" }],
      ["POST", `/v1/clients/${x.clientId}/webhook-secret`, "clients:write"],
      ["GET", "/v1/api-keys", "keys:write"],
      ["GET", `/v1/users/${user.id}`, "users:read"],
      ["PATCH", `/v1/users/${user.id}`, "users:write", { name: "Renamed" }],
      ["POST", `/v1/users/${user.id}/password-reset?clientId=${x.clientId}`, "resets:write"],
      ["GET", `/v1/users/${user.id}/events`, "events:read"],
      ["GET", "/v1/events", "events:read"],
      ["GET", "/v1/emails", "emails:read"],
      ["POST", "/v1/emails/out_unknown/retry", "emails:write"],
    ];
    for (const [method, path, scope, json] of routes) {
      const lacking = await keyWith(
        t.headers,
        ALL_SCOPES.filter((s) => s !== scope),
      );
      await expectInsufficient(
        await api(path, { method, headers: lacking, ...(json ? { json } : {}) }),
        scope,
        `${method} ${path} without ${scope}`,
      );
      const only = await keyWith(t.headers, [scope]);
      const res = await api(path, { method, headers: only, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path} with ${scope}`).not.toBe(403);
      expect(res.status, `${method} ${path} with ${scope}`).not.toBe(401);
    }
  });

  it("lists every key with its scopes; omitted scopes (and the tenant's first key) mean every scope", async () => {
    const t = await newTenant();
    const all = await api("/v1/api-keys", { json: { name: "all" }, headers: t.headers });
    expect(all.status).toBe(201);
    expect(((await all.json()) as { scopes: string[] }).scopes.sort()).toEqual([...ALL_SCOPES].sort());
    const narrow = await api("/v1/api-keys", {
      json: { name: "reader", scopes: ["users:read", "events:read"] },
      headers: t.headers,
    });
    expect(narrow.status).toBe(201);
    const list = (await (await api("/v1/api-keys", { headers: t.headers })).json()) as {
      apiKeys: { name: string; scopes: string[] }[];
    };
    const byName = Object.fromEntries(list.apiKeys.map((k) => [k.name, [...k.scopes].sort()]));
    expect(byName).toEqual({
      "initial key": [...ALL_SCOPES].sort(),
      all: [...ALL_SCOPES].sort(),
      reader: ["events:read", "users:read"],
    });
  });

  it("refuses unknown or empty scope lists with 400 VALIDATION_FAILED", async () => {
    const t = await newTenant();
    expect(
      (await api("/v1/api-keys", { json: { name: "ok", scopes: ["users:read"] }, headers: t.headers })).status,
    ).toBe(201);
    for (const scopes of [["users:admin"], [], ["users:read", "users:read"]]) {
      const res = await api("/v1/api-keys", { json: { name: "bad", scopes }, headers: t.headers });
      expect(res.status, JSON.stringify(scopes)).toBe(400);
      expect(await codeOf(res)).toBe("VALIDATION_FAILED");
    }
  });

  it("a key grants only scopes it holds itself (no escalation through keys:write)", async () => {
    const t = await newTenant();
    const keyAdmin = await keyWith(t.headers, ["keys:write", "users:read"]);
    await expectInsufficient(
      await api("/v1/api-keys", { json: { name: "escalate" }, headers: keyAdmin }),
      "clients:write",
      "omitted scopes = every scope",
    );
    await expectInsufficient(
      await api("/v1/api-keys", { json: { name: "escalate", scopes: ["users:write"] }, headers: keyAdmin }),
      "users:write",
      "a scope it lacks",
    );
    const ok = await api("/v1/api-keys", { json: { name: "sub", scopes: ["users:read"] }, headers: keyAdmin });
    expect(ok.status).toBe(201);
    // The root key may mint any key for a tenant.
    const root = await api("/v1/api-keys", { json: { name: "by root", tenantId: t.tenantId }, headers: adminHeaders });
    expect(((await root.json()) as { scopes: string[] }).scopes).toHaveLength(ALL_SCOPES.length);
  });
});
