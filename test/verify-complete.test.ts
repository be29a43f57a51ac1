import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createUser, mailTo, requestReset, rows, strongPassword, uniqueEmail } from "./helpers";

const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/password-resets/verify", () => {
  it("never consumes a link token, however often it is checked (mail scanners)", async () => {
    const email = uniqueEmail("scanner");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    for (let i = 0; i < 5; i++) expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);
    const [rr] = await rows<{ consumed_at: number | null }>("SELECT consumed_at FROM reset_requests WHERE token_hash IS NOT NULL AND user_id = (SELECT id FROM users WHERE email = ?)", email);
    expect(rr!.consumed_at).toBeNull();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
  });

  it("kills the code after 5 wrong attempts, even for the right code afterwards", async () => {
    const email = uniqueEmail("guess");
    await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const res = await api("/v1/password-resets/verify", { json: { email, code: wrong } });
      expect(res.status).toBe(400);
      expect(await codeOf(res)).toBe("INVALID_CODE");
    }
    const right = await api("/v1/password-resets/verify", { json: { email, code } });
    expect(right.status).toBe(400);
    expect(await codeOf(right)).toBe("INVALID_CODE");
  });

  it("caps attempts even when guesses arrive in parallel", async () => {
    const email = uniqueEmail("parallel-guess");
    await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    const wrong = code === "000000" ? "111111" : "000000";
    await Promise.all(Array.from({ length: 12 }, () => api("/v1/password-resets/verify", { json: { email, code: wrong } })));
    const [rr] = await rows<{ code_attempts: number }>("SELECT code_attempts FROM reset_requests WHERE user_id = (SELECT id FROM users WHERE email = ?)", email);
    expect(rr!.code_attempts).toBe(5);
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { email, code } }))).toBe("INVALID_CODE");
  });

  it("answers an unknown email with the same INVALID_CODE", async () => {
    const res = await api("/v1/password-resets/verify", { json: { email: uniqueEmail("nobody"), code: "123456" } });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe("INVALID_CODE");
  });

  it("rejects an expired code", async () => {
    const email = uniqueEmail("oldcode");
    await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    await env.DB.prepare("UPDATE reset_requests SET code_expires_at = ? WHERE user_id = (SELECT id FROM users WHERE email = ?)").bind(Date.now() - 1, email).run();
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { email, code } }))).toBe("INVALID_CODE");
  });

  it("tells invalid, expired and used link tokens apart by code", async () => {
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token: "x".repeat(43) } }))).toBe("INVALID_TOKEN");
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token: "not-a-token" } }))).toBe("INVALID_TOKEN");
    const email = uniqueEmail("expired");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    await env.DB.prepare("UPDATE reset_requests SET expires_at = ? WHERE user_id = (SELECT id FROM users WHERE email = ?)").bind(Date.now() - 1, email).run();
    const res = await api("/v1/password-resets/verify", { json: { token } });
    expect(res.status).toBe(410);
    expect(await codeOf(res)).toBe("TOKEN_EXPIRED");
  });
});

describe("POST /v1/password-resets/complete", () => {
  it("validates the token before spending CPU on hashing", async () => {
    const spy = vi.spyOn(crypto.subtle, "deriveBits");
    const res = await api("/v1/password-resets/complete", { json: { token: "A".repeat(43), newPassword: strongPassword() } });
    expect(await codeOf(res)).toBe("INVALID_TOKEN");
    expect(spy.mock.calls.filter(([alg]) => (alg as { name: string }).name === "PBKDF2")).toHaveLength(0);
  });

  it("of 10 concurrent completions with the same token exactly one succeeds", async () => {
    const email = uniqueEmail("race");
    const user = await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const passwords = Array.from({ length: 10 }, () => strongPassword());
    const results = await Promise.all(passwords.map((newPassword) => api("/v1/password-resets/complete", { json: { token, newPassword } })));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect(await codeOf(r)).toBe("TOKEN_USED");
    // Exactly one of the passwords works, one audit event, one "changed" email.
    const winners = [];
    for (const password of passwords) if ((await api("/v1/sessions", { json: { email, password } })).status === 200) winners.push(password);
    expect(winners).toHaveLength(1);
    expect(await rows("SELECT id FROM audit_events WHERE type = 'password_reset.completed' AND user_id = ?", user.id)).toHaveLength(1);
    expect((await mailTo(email)).filter((m) => /changed/i.test(m.subject))).toHaveLength(1);
    expect(await rows("SELECT id FROM one_time_tokens WHERE user_id = ?", user.id)).toHaveLength(1);
  });

  it("revokes every session: an older access token gets 401 on /v1/me", async () => {
    const email = uniqueEmail("revoke");
    const password = strongPassword();
    await createUser(email, password);
    const s1 = (await (await api("/v1/sessions", { json: { email, password } })).json()) as { accessToken: string };
    const s2 = (await (await api("/v1/sessions", { json: { email, password } })).json()) as { accessToken: string };
    for (const s of [s1, s2]) expect((await api("/v1/me", { headers: { Authorization: `Bearer ${s.accessToken}` } })).status).toBe(200);
    const { token } = await requestReset(email);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
    for (const s of [s1, s2]) {
      const me = await api("/v1/me", { headers: { Authorization: `Bearer ${s.accessToken}` } });
      expect(me.status).toBe(401);
      expect(await codeOf(me)).toBe("SESSION_REVOKED");
    }
  });

  it("kills the user's other outstanding resets (e.g. an admin-initiated one)", async () => {
    const email = uniqueEmail("others");
    const user = await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    // A second live request created after the first (as an admin reset would be) — simulate by direct insert.
    await env.DB.prepare(
      "INSERT INTO reset_requests (id, tenant_id, client_id, user_id, kind, token_hash, expires_at, created_at) VALUES ('rst_other_' || ?, 'default', 'default', ?, 'admin', ?, ?, ?)",
    ).bind(user.id, user.id, crypto.randomUUID(), Date.now() + 3_600_000, Date.now()).run();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
    const open = await rows("SELECT id FROM reset_requests WHERE user_id = ? AND consumed_at IS NULL AND invalidated_at IS NULL", user.id);
    expect(open).toEqual([]);
  });

  it("lists every failed policy rule with its own code", async () => {
    const email = uniqueEmail("policy");
    const current = strongPassword();
    await createUser(email, current);
    const { token } = await requestReset(email);
    const cases: [string, string[]][] = [
      ["Zq9!vK", ["PASSWORD_TOO_SHORT"]],
      ["x".repeat(257), ["PASSWORD_TOO_LONG"]],
      ["password123", ["PASSWORD_TOO_COMMON"]],
      [`${email.split("@")[0]}-Zebra!`, ["PASSWORD_CONTAINS_EMAIL"]],
      [current, ["PASSWORD_REUSED"]],
    ];
    for (const [newPassword, codes] of cases) {
      const res = await api("/v1/password-resets/complete", { json: { token, newPassword } });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { code: string; errors: { code: string }[] };
      expect(body.code).toBe("PASSWORD_POLICY_VIOLATION");
      expect(body.errors.map((e) => e.code)).toEqual(codes);
    }
    // Several failures at once are all listed.
    const many = await api("/v1/password-resets/complete", { json: { token, newPassword: "abc" } });
    const manyBody = (await many.json()) as { errors: { code: string }[] };
    expect(manyBody.errors.map((e) => e.code)).toContain("PASSWORD_TOO_SHORT");
    // Failed attempts did not consume the token.
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
  });

  it("normalizes with NFKC and never truncates", async () => {
    const email = uniqueEmail("nfkc");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const base = "ﬁne-Horse-Battery-9";
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: base } })).status).toBe(200);
    // The NFKC form signs in; a longer password sharing a 72-byte prefix does not.
    expect((await api("/v1/sessions", { json: { email, password: "fine-Horse-Battery-9" } })).status).toBe(200);
    const long = "L".repeat(100);
    const { token: t2 } = await requestReset(email);
    expect((await api("/v1/password-resets/complete", { json: { token: t2, newPassword: long + "a" } })).status).toBe(200);
    expect((await api("/v1/sessions", { json: { email, password: long + "b" } })).status).toBe(401);
    expect((await api("/v1/sessions", { json: { email, password: long + "a" } })).status).toBe(200);
  });

  it("returns a login token only when the client allows it, exchangeable once", async () => {
    const email = uniqueEmail("login");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const done = (await (await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).json()) as { loginToken: string };
    const first = await api("/v1/sessions/exchange", { json: { loginToken: done.loginToken } });
    expect(first.status).toBe(200);
    const session = (await first.json()) as { accessToken: string };
    expect((await api("/v1/me", { headers: { Authorization: `Bearer ${session.accessToken}` } })).status).toBe(200);
    const second = await api("/v1/sessions/exchange", { json: { loginToken: done.loginToken } });
    expect(second.status).toBe(401);
    expect(await codeOf(second)).toBe("INVALID_LOGIN_TOKEN");

    await env.DB.prepare("INSERT OR IGNORE INTO clients (id, tenant_id, name, issue_login_token, created_at) VALUES ('no-login', 'default', 'No login', 0, 0)").run();
    const other = uniqueEmail("nologin");
    await createUser(other, strongPassword());
    const r2 = await requestReset(other, { clientId: "no-login" });
    const body = (await (await api("/v1/password-resets/complete", { json: { token: r2.token, newPassword: strongPassword() } })).json()) as Record<string, unknown>;
    expect(body.status).toBe("completed");
    expect(body).not.toHaveProperty("loginToken");
  });

  it("does not accept a login or access token where a reset token is expected", async () => {
    const email = uniqueEmail("confusion");
    const password = strongPassword();
    await createUser(email, password);
    const { accessToken } = (await (await api("/v1/sessions", { json: { email, password } })).json()) as { accessToken: string };
    const res = await api("/v1/password-resets/complete", { json: { token: accessToken, newPassword: strongPassword() } });
    expect(await codeOf(res)).toBe("INVALID_TOKEN");
    const ex = await api("/v1/sessions/exchange", { json: { loginToken: accessToken } });
    expect(await codeOf(ex)).toBe("INVALID_LOGIN_TOKEN");
  });

  it("writes the completion audit event", async () => {
    const email = uniqueEmail("audit");
    const user = await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() }, headers: { "User-Agent": "Mozilla/5.0 Chrome/130" }, ip: "203.0.113.77" });
    const [ev] = await rows<{ ip_prefix: string; user_agent: string; request_id: string }>(
      "SELECT ip_prefix, user_agent, request_id FROM audit_events WHERE type = 'password_reset.completed' AND user_id = ?",
      user.id,
    );
    expect(ev!.ip_prefix).toBe("203.0.113.0/24");
    expect(ev!.user_agent).toContain("Chrome");
    expect(ev!.request_id).toBeTruthy();
  });
});
