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
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

describe("tenant isolation: a credential of tenant A never reads or changes tenant B", async () => {
  const setup = async () => {
    const a = await newTenant("A");
    const b = await newTenant("B");
    const aClient = await newClient(a.headers, { name: "A app" });
    const bClient = await newClient(b.headers, { name: "B app", webhookUrl: "https://b.example.com/hooks" });
    const bUser = await newUser(b.headers, { password: strongPassword(), clientId: bClient.clientId });
    const aUser = await newUser(a.headers);
    const bKey = (await rows<{ id: string }>("SELECT id FROM api_keys WHERE tenant_id = ?", b.tenantId))[0]!.id;
    return { a, b, aClient, bClient, bUser, aUser, bKey };
  };

  it("users: GET, PATCH, DELETE, events and admin reset of B's user are 404; nothing changes", async () => {
    const { a, aClient, bClient, bUser } = await setup();
    {
      const headers = a.headers;
      expect(await codeOf(await api(`/v1/users/${bUser.id}`, { headers }))).toBe("USER_NOT_FOUND");
      expect(
        await codeOf(
          await api(`/v1/users/${bUser.id}`, { method: "PATCH", json: { name: "pwned", disabled: true }, headers }),
        ),
      ).toBe("USER_NOT_FOUND");
      expect(await codeOf(await api(`/v1/users/${bUser.id}`, { method: "DELETE", headers }))).toBe("USER_NOT_FOUND");
      expect(await codeOf(await api(`/v1/users/${bUser.id}/events`, { headers }))).toBe("USER_NOT_FOUND");
      const reset = await api(`/v1/users/${bUser.id}/password-reset?clientId=${bClient.clientId}`, {
        method: "POST",
        headers,
      });
      expect(reset.status).toBe(404);
    }
    // A's client credentials, on the one route they have (a reset through their own client): B's
    // user does not exist for them; through B's client they are refused before any lookup.
    const aBasic = basic(aClient.clientId, aClient.clientSecret);
    const own = await api(`/v1/users/${bUser.id}/password-reset?clientId=${aClient.clientId}`, {
      method: "POST",
      headers: aBasic,
    });
    expect(await codeOf(own)).toBe("USER_NOT_FOUND");
    const viaB = await api(`/v1/users/${bUser.id}/password-reset?clientId=${bClient.clientId}`, {
      method: "POST",
      headers: aBasic,
    });
    expect(await codeOf(viaB)).toBe("INSUFFICIENT_SCOPE");
    const [row] = await rows<{ name: string | null; disabled: number }>(
      "SELECT name, disabled FROM users WHERE id = ?",
      bUser.id,
    );
    expect(row).toEqual({ name: null, disabled: 0 });
    expect(await mailTo(bUser.email)).toEqual([]);
  });

  it("users: A cannot create or import into B, nor use B's client for policy or admin resets", async () => {
    const { a, b, bClient, aUser } = await setup();
    expect(
      (await api("/v1/users", { json: { email: uniqueEmail(), tenantId: b.tenantId }, headers: a.headers })).status,
    ).toBe(403);
    expect(
      (
        await api("/v1/users/import", {
          json: { users: [{ email: uniqueEmail() }], tenantId: b.tenantId },
          headers: a.headers,
        })
      ).status,
    ).toBe(403);
    const policy = await api("/v1/users", {
      json: { email: uniqueEmail(), password: strongPassword(), clientId: bClient.clientId },
      headers: a.headers,
    });
    expect(await codeOf(policy)).toBe("UNKNOWN_CLIENT");
    const reset = await api(`/v1/users/${aUser.id}/password-reset?clientId=${bClient.clientId}`, {
      method: "POST",
      headers: a.headers,
    });
    expect(await codeOf(reset)).toBe("UNKNOWN_CLIENT");
    // The same address may exist in both tenants: users are unique per (tenant, email).
    const shared = uniqueEmail("shared");
    expect((await api("/v1/users", { json: { email: shared }, headers: a.headers })).status).toBe(201);
    expect((await api("/v1/users", { json: { email: shared }, headers: b.headers })).status).toBe(201);
  });

  it("clients: list shows only A's; GET, PATCH, DELETE and secret rotations of B's client are 404", async () => {
    const { a, b, aClient, bClient } = await setup();
    const list = (await (await api("/v1/clients", { headers: a.headers })).json()) as {
      clients: { clientId: string; tenantId: string }[];
    };
    expect(list.clients.map((c) => c.clientId)).toEqual([aClient.clientId]);
    const paths: [string, string, unknown?][] = [
      ["GET", `/v1/clients/${bClient.clientId}`],
      ["PATCH", `/v1/clients/${bClient.clientId}`, { resetUrl: "https://evil.example.com/reset" }],
      ["DELETE", `/v1/clients/${bClient.clientId}`],
      ["POST", `/v1/clients/${bClient.clientId}/secret`],
      ["POST", `/v1/clients/${bClient.clientId}/webhook-secret`],
    ];
    for (const [method, path, json] of paths) {
      const res = await api(path, { method, headers: a.headers, ...(json ? { json } : {}) });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(await codeOf(res)).toBe("CLIENT_NOT_FOUND");
    }
    expect((await api("/v1/clients", { json: { name: "x", tenantId: b.tenantId }, headers: a.headers })).status).toBe(
      403,
    );
    // B's client is untouched and its secret still works.
    const [row] = await rows<{ reset_url: string | null }>(
      "SELECT reset_url FROM clients WHERE id = ?",
      bClient.clientId,
    );
    expect(row!.reset_url).toBeNull();
    expect(
      (await api(`/v1/clients/${bClient.clientId}`, { headers: basic(bClient.clientId, bClient.clientSecret) })).status,
    ).toBe(200);
    expect((await api(`/v1/clients/${bClient.clientId}`, { headers: b.headers })).status).toBe(200);
  });

  it("api keys: A lists only its own, cannot revoke B's nor mint one for B", async () => {
    const { a, b, bKey } = await setup();
    const list = (await (await api("/v1/api-keys", { headers: a.headers })).json()) as {
      apiKeys: { tenantId: string }[];
    };
    expect(new Set(list.apiKeys.map((k) => k.tenantId))).toEqual(new Set([a.tenantId]));
    expect(await codeOf(await api(`/v1/api-keys/${bKey}`, { method: "DELETE", headers: a.headers }))).toBe(
      "API_KEY_NOT_FOUND",
    );
    expect((await api("/v1/clients", { headers: b.headers })).status).toBe(200);
    expect((await api("/v1/api-keys", { json: { name: "x", tenantId: b.tenantId }, headers: a.headers })).status).toBe(
      403,
    );
  });

  it("events: A's trail holds none of B's events, whatever the filter", async () => {
    const { a, b } = await setup();
    for (const q of [
      "",
      "?type=user.created",
      "?type=client.*",
      `?since=${new Date(Date.now() - 60_000).toISOString()}`,
    ]) {
      const page = (await (await api(`/v1/events${q}`, { headers: a.headers })).json()) as {
        events: { tenantId: string }[];
      };
      expect(page.events.length, q).toBeGreaterThan(0);
      expect(
        page.events.every((e) => e.tenantId === a.tenantId),
        q,
      ).toBe(true);
    }
    const bPage = (await (await api("/v1/events", { headers: b.headers })).json()) as {
      events: { tenantId: string }[];
    };
    expect(bPage.events.every((e) => e.tenantId === b.tenantId)).toBe(true);
  });

  it("public requests stay inside the client's tenant: A's client cannot reset B's user", async () => {
    const { aClient, bClient, bUser } = await setup();
    expect(
      (await api("/v1/password-resets", { json: { email: bUser.email, clientId: aClient.clientId } })).status,
    ).toBe(202);
    expect(await mailTo(bUser.email)).toEqual([]);
    expect(
      (await api("/v1/password-resets", { json: { email: bUser.email, clientId: bClient.clientId } })).status,
    ).toBe(202);
    expect(await mailTo(bUser.email)).toHaveLength(1);
  });

  it("the root key acts on every tenant and may name one", async () => {
    const { b, bUser, bClient } = await setup();
    expect((await api(`/v1/users/${bUser.id}`, { headers: adminHeaders })).status).toBe(200);
    expect((await api(`/v1/clients/${bClient.clientId}`, { headers: adminHeaders })).status).toBe(200);
    const made = await api("/v1/users", {
      json: { email: uniqueEmail(), tenantId: b.tenantId },
      headers: adminHeaders,
    });
    expect(((await made.json()) as { tenantId: string }).tenantId).toBe(b.tenantId);
    expect(
      await codeOf(
        await api("/v1/users", { json: { email: uniqueEmail(), tenantId: "no-such-tenant" }, headers: adminHeaders }),
      ),
    ).toBe("TENANT_NOT_FOUND");
  });
});
