import { afterEach, describe, expect, it, vi } from "vitest";
import {
  api,
  type CallOptions,
  clock,
  newClient,
  newTenant,
  newUser,
  resetMail,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

const UA = "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0";
interface AuditDbRow {
  type: string;
  tenant_id: string;
  client_id: string | null;
  user_id: string | null;
  request_id: string;
  ip_prefix: string;
  country: string;
  user_agent: string;
  data: string;
  created_at: number;
}

let seq = 0;
/** One request with a known request id, IP, country and user agent; returns the audit rows it wrote. */
async function act(path: string, opts: CallOptions = {}): Promise<{ res: Response; events: AuditDbRow[] }> {
  const requestId = `req-audit-${Date.now()}-${++seq}`;
  const headers = new Headers(opts.headers);
  headers.set("X-Request-Id", requestId);
  headers.set("User-Agent", UA);
  const res = await api(path, { ...opts, headers, ip: "198.51.100.23", country: "DE" });
  const events = await rows<AuditDbRow>(
    "SELECT * FROM audit_events WHERE request_id = ? ORDER BY created_at",
    requestId,
  );
  return { res, events };
}

/** Asserts an event of this type was written with every piece of request context. */
function expectEvent(
  events: AuditDbRow[],
  type: string,
  want: { tenantId: string; clientId?: string | null; userId?: string | null; data?: Record<string, unknown> },
) {
  const e = events.find((x) => x.type === type);
  expect(e, `${type} in ${events.map((x) => x.type).join(", ")}`).toBeTruthy();
  expect(e!.tenant_id).toBe(want.tenantId);
  if (want.clientId !== undefined) expect(e!.client_id).toBe(want.clientId);
  if (want.userId !== undefined) expect(e!.user_id).toBe(want.userId);
  expect(e!.ip_prefix).toBe("198.51.100.0/24");
  expect(e!.country).toBe("DE");
  expect(e!.user_agent).toBe(UA);
  expect(e!.created_at).toBeGreaterThan(clock.now() - 60_000);
  if (want.data) expect(JSON.parse(e!.data)).toMatchObject(want.data);
}

afterEach(() => vi.restoreAllMocks());

describe("audit events, each with time, tenant, client, user, request id, IP prefix, country and UA", () => {
  it("reset journey: requested (known; unknown ones are tallied), email sent, code failed, token refused, completed, sessions revoked", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers);
    const ids = { tenantId: t.tenantId, clientId: c.clientId };
    const user = await newUser(t.headers, { password: strongPassword() });

    const known = await act("/v1/password-resets", { json: { email: user.email, clientId: c.clientId } });
    expectEvent(known.events, "password_reset.requested", { ...ids, userId: user.id, data: { known: true } });
    expectEvent(known.events, "email.sent", { ...ids, userId: user.id });
    const unknown = await act("/v1/password-resets", { json: { email: uniqueEmail("nobody"), clientId: c.clientId } });
    // Unknown addresses write nothing per request: they are counted per client per minute
    // (test/routes/v1/password-resets/response-path.test.ts).
    expect(unknown.res.status).toBe(202);
    expect(unknown.events).toEqual([]);

    const { token, code } = await resetMail(user.email);
    const wrong = code === "000000" ? "111111" : "000000";
    const failed = await act("/v1/password-resets/verify", {
      json: { email: user.email, code: wrong, clientId: c.clientId },
    });
    expectEvent(failed.events, "password_reset.code_failed", {
      ...ids,
      userId: user.id,
      data: { reason: "wrong_code" },
    });

    const garbage = await act("/v1/password-resets/verify", {
      json: { token: "A".repeat(43) },
      headers: { "X-Client-Id": c.clientId },
    });
    expectEvent(garbage.events, "password_reset.token_refused", {
      tenantId: t.tenantId,
      userId: null,
      data: { reason: "INVALID_TOKEN", step: "verify" },
    });

    const done = await act("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
    expect(done.res.status).toBe(200);
    expectEvent(done.events, "password_reset.completed", { ...ids, userId: user.id });
    expectEvent(done.events, "sessions.revoked", { ...ids, userId: user.id, data: { reason: "password_reset" } });

    const reused = await act("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
    expectEvent(reused.events, "password_reset.token_refused", {
      ...ids,
      userId: user.id,
      data: { reason: "TOKEN_USED", step: "complete" },
    });
    const { token: fresh } = await resetMail(user.email).then(async () => {
      await api("/v1/password-resets", { json: { email: user.email, clientId: c.clientId } });
      return resetMail(user.email);
    });
    // The client's link lives 30 minutes.
    clock.advance(31 * 60_000);
    const expired = await act("/v1/password-resets/verify", { json: { token: fresh } });
    expectEvent(expired.events, "password_reset.token_refused", {
      ...ids,
      userId: user.id,
      data: { reason: "TOKEN_EXPIRED" },
    });
  });

  it("admin reset, sign-in success and failure, email failed", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers);
    const password = strongPassword();
    const user = await newUser(t.headers, { password });
    const ids = { tenantId: t.tenantId, clientId: c.clientId };

    const admin = await act(`/v1/users/${user.id}/password-reset?clientId=${c.clientId}`, {
      method: "POST",
      headers: t.headers,
    });
    expect(admin.res.status).toBe(204);
    expectEvent(admin.events, "password_reset.admin_initiated", { ...ids, userId: user.id });

    const ok = await act("/v1/sessions", { json: { email: user.email, password, clientId: c.clientId } });
    expectEvent(ok.events, "sign_in.succeeded", { ...ids, userId: user.id });
    const bad = await act("/v1/sessions", {
      json: { email: user.email, password: "Wrong-Password-9", clientId: c.clientId },
    });
    expectEvent(bad.events, "sign_in.failed", { ...ids, userId: user.id });

    vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ message: "invalid to" }, { status: 422 }));
    const mailFailed = await act("/v1/password-resets", {
      json: { email: user.email, clientId: c.clientId },
      env: { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" },
    });
    expectEvent(mailFailed.events, "email.failed", { ...ids, userId: user.id });
  });

  it("user created, updated, deleted; sessions revoked; API key created and revoked", async () => {
    const t = await newTenant();
    const created = await act("/v1/users", { json: { email: uniqueEmail("life") }, headers: t.headers });
    const { id } = (await created.res.json()) as { id: string };
    expectEvent(created.events, "user.created", { tenantId: t.tenantId, userId: id });
    const updated = await act(`/v1/users/${id}`, { method: "PATCH", json: { disabled: true }, headers: t.headers });
    expectEvent(updated.events, "user.updated", {
      tenantId: t.tenantId,
      userId: id,
      data: { fields: ["disabled"], disabled: true },
    });
    expectEvent(updated.events, "sessions.revoked", {
      tenantId: t.tenantId,
      userId: id,
      data: { reason: "user_disabled" },
    });
    const deleted = await act(`/v1/users/${id}`, { method: "DELETE", headers: t.headers });
    expectEvent(deleted.events, "user.deleted", { tenantId: t.tenantId, userId: id });
    expectEvent(deleted.events, "sessions.revoked", {
      tenantId: t.tenantId,
      userId: id,
      data: { reason: "user_deleted" },
    });

    const key = await act("/v1/api-keys", { json: { name: "deploy" }, headers: t.headers });
    const { id: keyId } = (await key.res.json()) as { id: string };
    expectEvent(key.events, "api_key.created", { tenantId: t.tenantId, data: { keyId, name: "deploy" } });
    const revoked = await act(`/v1/api-keys/${keyId}`, { method: "DELETE", headers: t.headers });
    expectEvent(revoked.events, "api_key.revoked", { tenantId: t.tenantId, data: { keyId } });
  });
});

describe("GET /v1/events and /v1/users/{id}/events", () => {
  type Page = {
    events: { id: string; type: string; time: string; userId: string | null; ipPrefix: string }[];
    nextCursor: string | null;
  };

  it("pages newest first with an opaque cursor, without gaps or repeats; filters by type (or prefix) and since", async () => {
    const t = await newTenant();
    const users = [];
    for (let i = 0; i < 5; i++) users.push(await newUser(t.headers));
    const all: Page["events"] = [];
    let cursor: string | null = null;
    do {
      const q: string = `?limit=2${cursor ? `&cursor=${cursor}` : ""}`;
      const page = (await (await api(`/v1/events${q}`, { headers: t.headers })).json()) as Page;
      expect(page.events.length).toBeLessThanOrEqual(2);
      all.push(...page.events);
      cursor = page.nextCursor;
    } while (cursor);
    expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
    expect(all.filter((e) => e.type === "user.created").map((e) => e.userId)).toEqual(users.map((u) => u.id).reverse());
    const times = all.map((e) => Date.parse(e.time));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const typed = (await (await api("/v1/events?type=user.created", { headers: t.headers })).json()) as Page;
    expect(typed.events).toHaveLength(5);
    const prefixed = (await (await api("/v1/events?type=api_key.*", { headers: t.headers })).json()) as Page;
    expect(prefixed.events.map((e) => e.type)).toEqual(["api_key.created"]);
    const future = (await (
      await api(`/v1/events?since=${new Date(Date.now() + 60_000).toISOString()}`, { headers: t.headers })
    ).json()) as Page;
    expect(future.events).toEqual([]);
    expect((await api("/v1/events?cursor=garbage", { headers: t.headers })).status).toBe(400);
    expect((await api("/v1/events?since=yesterday", { headers: t.headers })).status).toBe(400);

    const mine = (await (await api(`/v1/users/${users[0]!.id}/events`, { headers: t.headers })).json()) as Page;
    expect(mine.events.map((e) => e.type)).toEqual(["user.created"]);
    expect((await api("/v1/users/usr_nope/events", { headers: t.headers })).status).toBe(404);
  });
});
