import { afterEach, describe, expect, it, vi } from "vitest";
import { adminHeaders, api, basic, clock, newClient, newTenant, rows, uniqueEmail } from "../helpers";

type Problem = { code: string };

afterEach(() => vi.restoreAllMocks());

describe("admin authentication", () => {
  it("requires the API key (401 with a challenge)", async () => {
    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer wrong-key-000000000" },
      { Authorization: `Basic ${btoa("default:nope")}` },
    ];
    for (const headers of attempts) {
      const res = await api("/v1/users", { json: { email: uniqueEmail() }, headers });
      expect(res.status).toBe(401);
      // Bearer only: a Basic challenge makes browsers prompt for and cache credentials, which they
      // then attach to any cross-site request (CSRF on body-less admin POSTs).
      expect(res.headers.get("WWW-Authenticate")).toBe('Bearer realm="resetkit"');
      expect(((await res.json()) as Problem).code).toBe("UNAUTHORIZED");
    }
  });

  it("compares the root key and client secrets in constant time, whatever the outcome", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers);
    const unknownId = `cl_nobody_${crypto.randomUUID().slice(0, 8)}`;
    // Spied like the hashing tests spy on deriveBits: an `===` in authenticateAdmin never calls it.
    const spy = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const cases: [string, Record<string, string>, number, boolean][] = [
      ["root key", adminHeaders, 200, true],
      ["wrong bearer key", { Authorization: "Bearer wrong-key-000000000" }, 401, false],
      ["unknown tenant API key", { Authorization: `Bearer rk_live_${"A".repeat(43)}` }, 401, false],
      ["Basic, right secret", basic(c.clientId, c.clientSecret), 200, true],
      ["Basic, wrong secret", basic(c.clientId, `wrong-${c.clientSecret}`), 401, false],
      ["Basic, unknown client id", basic(unknownId, c.clientSecret), 401, false],
    ];
    for (const [name, headers, status, equal] of cases) {
      spy.mockClear();
      // The client's own record: the one client route Basic credentials may read.
      const res = await api(`/v1/clients/${c.clientId}`, { headers });
      expect(res.status, name).toBe(status);
      // The comparison that decided the request went through timingSafeEqual and gave its verdict.
      expect(spy, name).toHaveBeenCalled();
      const verdicts = spy.mock.results.map((r) => r.value as boolean);
      expect(verdicts, name).toContain(equal);
    }
  });

  it("records a tenant API key's last_used_at after the response, at most once a minute per key", async () => {
    const t = await newTenant();
    const keyId = (await rows<{ id: string }>("SELECT id FROM api_keys WHERE tenant_id = ?", t.tenantId))[0]!.id;
    const lastUsed = async () =>
      (await rows<{ last_used_at: number | null }>("SELECT last_used_at FROM api_keys WHERE id = ?", keyId))[0]!
        .last_used_at;
    expect(await lastUsed()).toBeNull();
    await api("/v1/clients", { headers: t.headers });
    const first = (await lastUsed())!;
    expect(first).toBeGreaterThan(clock.now() - 10_000);
    // Within the minute: no second write.
    clock.advance(30_000);
    await api("/v1/clients", { headers: t.headers });
    expect(await lastUsed()).toBe(first);
    // A minute later the key is touched again, at the Worker's time.
    clock.advance(31_000);
    await api("/v1/clients", { headers: t.headers });
    expect(await lastUsed()).toBeGreaterThanOrEqual(first + 61_000);
  });

  it("refuses admin requests a browser marks as cross-site (403 CROSS_SITE_REQUEST), before anything happens", async () => {
    const email = uniqueEmail("csrf");
    for (const site of ["cross-site", "Cross-Site"]) {
      const res = await api("/v1/users", { json: { email }, headers: { ...adminHeaders, "Sec-Fetch-Site": site } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as Problem).code).toBe("CROSS_SITE_REQUEST");
    }
    // A body-less POST (the classic CSRF shape) too, whatever credential rides along.
    const t = await newTenant();
    const c = await newClient(t.headers);
    const rotate = await api(`/v1/clients/${c.clientId}/secret`, {
      method: "POST",
      headers: { ...t.headers, "Sec-Fetch-Site": "cross-site" },
    });
    expect(rotate.status).toBe(403);
    expect(await rows("SELECT id FROM users WHERE email = ?", email)).toEqual([]);
    expect(
      await rows("SELECT id FROM audit_events WHERE client_id = ? AND type = 'client.secret_rotated'", c.clientId),
    ).toEqual([]);
    // Server-to-server calls send no Sec-Fetch-Site; same-origin and user-typed requests pass.
    for (const site of ["same-origin", "none"]) {
      const res = await api("/v1/clients", { headers: { ...adminHeaders, "Sec-Fetch-Site": site } });
      expect(res.status, site).toBe(200);
    }
    expect((await api("/v1/users", { json: { email }, headers: adminHeaders })).status).toBe(201);
  });
});
