import { env } from "cloudflare:workers";
import { decodeJwt, decodeProtectedHeader } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adminHeaders,
  api,
  clock,
  codeOf,
  createUser,
  mailTo,
  me,
  newClient,
  PUBLIC_BASE_URL,
  requestReset,
  rows,
  signInAs,
  spyHashWork,
  strongPassword,
  uniqueEmail,
} from "../../../helpers";

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/password-resets/complete", () => {
  it("validates the token before spending CPU on hashing", async () => {
    const spy = vi.spyOn(crypto.subtle, "deriveBits");
    const res = await api("/v1/password-resets/complete", {
      json: { token: "A".repeat(43), newPassword: strongPassword() },
    });
    expect(await codeOf(res)).toBe("INVALID_TOKEN");
    expect(spy.mock.calls.filter(([alg]) => (alg as { name: string }).name === "PBKDF2")).toHaveLength(0);
  });

  it("of 10 concurrent completions with the same token exactly one succeeds", async () => {
    const email = uniqueEmail("race");
    const user = await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const passwords = Array.from({ length: 10 }, () => strongPassword());
    const results = await Promise.all(
      passwords.map((newPassword) => api("/v1/password-resets/complete", { json: { token, newPassword } })),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) expect(await codeOf(r)).toBe("TOKEN_USED");
    // Exactly one of the passwords works, one audit event, one "changed" email.
    const winners = [];
    for (const password of passwords)
      if ((await api("/v1/sessions", { json: { email, password } })).status === 200) winners.push(password);
    expect(winners).toHaveLength(1);
    expect(
      await rows("SELECT id FROM audit_events WHERE type = 'password_reset.completed' AND user_id = ?", user.id),
    ).toHaveLength(1);
    expect((await mailTo(email)).filter((m) => /changed/i.test(m.subject))).toHaveLength(1);
    // One login token and one "that wasn't me" token: the losing batches inserted neither.
    for (const kind of ["login", "not_me"])
      expect(await rows("SELECT id FROM one_time_tokens WHERE user_id = ? AND kind = ?", user.id, kind)).toHaveLength(
        1,
      );
  });

  it("revokes every session: an older access token gets 401 on /v1/me", async () => {
    const email = uniqueEmail("revoke");
    const password = strongPassword();
    await createUser(email, password);
    const s1 = await signInAs(email, password);
    const s2 = await signInAs(email, password);
    for (const s of [s1, s2]) expect((await me(s.accessToken)).status).toBe(200);
    const { token } = await requestReset(email);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
    for (const s of [s1, s2]) {
      const res = await me(s.accessToken);
      expect(res.status).toBe(401);
      expect(await codeOf(res)).toBe("SESSION_REVOKED");
    }
  });

  it("revokes twice over: revoked_at on every live session row AND a moved sessions_valid_after", async () => {
    const email = uniqueEmail("revoke-both");
    const password = strongPassword();
    const user = await createUser(email, password);
    const sessions = [await signInAs(email, password), await signInAs(email, password)];
    const { token } = await requestReset(email);
    const [before] = await rows<{ sessions_valid_after: number }>(
      "SELECT sessions_valid_after FROM users WHERE id = ?",
      user.id,
    );
    // Completion happens strictly after the sessions were made, so the cut-off lies after them.
    clock.advance(1_000);
    const completedFrom = clock.now();
    const newPassword = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword } })).status).toBe(200);
    const completedBy = clock.now();

    for (const s of sessions) expect(await codeOf(await me(s.accessToken))).toBe("SESSION_REVOKED");
    // Each mechanism alone would end these sessions (see GET /v1/me in sessions.test.ts): check both happened.
    const stored = await rows<{ id: string; created_at: number; revoked_at: number | null }>(
      "SELECT id, created_at, revoked_at FROM sessions WHERE user_id = ?",
      user.id,
    );
    expect(stored.map((s) => s.id).sort()).toEqual(sessions.map((s) => s.sid).sort());
    for (const s of stored) {
      expect(s.revoked_at).not.toBeNull();
      expect(s.revoked_at!).toBeGreaterThanOrEqual(completedFrom);
      expect(s.revoked_at!).toBeLessThanOrEqual(completedBy);
    }
    const [after] = await rows<{ sessions_valid_after: number }>(
      "SELECT sessions_valid_after FROM users WHERE id = ?",
      user.id,
    );
    expect(after!.sessions_valid_after).not.toBe(before!.sessions_valid_after);
    expect(after!.sessions_valid_after).toBeGreaterThanOrEqual(completedFrom);
    expect(after!.sessions_valid_after).toBeLessThanOrEqual(completedBy);
    for (const s of stored) expect(s.created_at).toBeLessThan(after!.sessions_valid_after);

    // A session made after the reset is not affected.
    expect((await me((await signInAs(email, newPassword)).accessToken)).status).toBe(200);
  });

  it("kills the user's other outstanding resets (e.g. an admin-initiated one)", async () => {
    const email = uniqueEmail("others");
    const user = await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    // Two live requests at once: no API makes them (every new request, admin ones too, supersedes
    // the older ones), so the second is inserted directly.
    await env.DB.prepare(
      "INSERT INTO reset_requests (id, tenant_id, client_id, user_id, kind, token_hash, expires_at, created_at) " +
        "VALUES ('rst_other_' || ?, 'default', 'default', ?, 'admin', ?, ?, ?)",
    )
      .bind(user.id, user.id, crypto.randomUUID(), clock.now() + 3_600_000, clock.now())
      .run();
    expect(
      await rows(
        "SELECT id FROM reset_requests WHERE user_id = ? AND consumed_at IS NULL AND invalidated_at IS NULL",
        user.id,
      ),
    ).toHaveLength(2);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
    const open = await rows(
      "SELECT id FROM reset_requests WHERE user_id = ? AND consumed_at IS NULL AND invalidated_at IS NULL",
      user.id,
    );
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
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
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
    expect((await api("/v1/password-resets/complete", { json: { token: t2, newPassword: `${long}a` } })).status).toBe(
      200,
    );
    expect((await api("/v1/sessions", { json: { email, password: `${long}b` } })).status).toBe(401);
    expect((await api("/v1/sessions", { json: { email, password: `${long}a` } })).status).toBe(200);
  });

  it("returns a login token only when the client allows it, exchangeable once", async () => {
    const email = uniqueEmail("login");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const done = (await (
      await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })
    ).json()) as { loginToken: string };
    const first = await api("/v1/sessions/exchange", { json: { loginToken: done.loginToken } });
    expect(first.status).toBe(200);
    const session = (await first.json()) as { accessToken: string };
    expect((await me(session.accessToken)).status).toBe(200);
    const second = await api("/v1/sessions/exchange", { json: { loginToken: done.loginToken } });
    expect(second.status).toBe(401);
    expect(await codeOf(second)).toBe("INVALID_LOGIN_TOKEN");

    const { clientId } = await newClient(adminHeaders, { name: "No login", issueLoginToken: false });
    const other = uniqueEmail("nologin");
    await createUser(other, strongPassword());
    const r2 = await requestReset(other, { clientId });
    const body = (await (
      await api("/v1/password-resets/complete", { json: { token: r2.token, newPassword: strongPassword() } })
    ).json()) as Record<string, unknown>;
    expect(body.status).toBe("completed");
    expect(body).not.toHaveProperty("loginToken");
  });

  it("signs the login token with PUBLIC_BASE_URL as issuer, whatever host the request came through", async () => {
    const email = uniqueEmail("login-issuer");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const res = await api("/v1/password-resets/complete", {
      json: { token, newPassword: strongPassword() },
      headers: { Host: "attacker.example", "X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "http" },
    });
    expect(res.status).toBe(200);
    const { loginToken } = (await res.json()) as { loginToken: string };
    // Its audience is the client it was issued to (issue 11 §4); tid/cid stay.
    expect(decodeJwt(loginToken)).toMatchObject({
      iss: PUBLIC_BASE_URL,
      aud: "default",
      tid: "default",
      cid: "default",
    });
    expect(decodeProtectedHeader(loginToken).typ).toBe("login+jwt");
  });

  it("does not accept a login or access token where a reset token is expected", async () => {
    const email = uniqueEmail("confusion");
    const password = strongPassword();
    await createUser(email, password);
    const { accessToken } = await signInAs(email, password);
    const res = await api("/v1/password-resets/complete", {
      json: { token: accessToken, newPassword: strongPassword() },
    });
    expect(await codeOf(res)).toBe("INVALID_TOKEN");
    const ex = await api("/v1/sessions/exchange", { json: { loginToken: accessToken } });
    expect(await codeOf(ex)).toBe("INVALID_LOGIN_TOKEN");
  });

  it("writes the completion audit event", async () => {
    const email = uniqueEmail("audit");
    const user = await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    await api("/v1/password-resets/complete", {
      json: { token, newPassword: strongPassword() },
      headers: { "User-Agent": "Mozilla/5.0 Chrome/130" },
      ip: "203.0.113.77",
    });
    const [ev] = await rows<{ ip_prefix: string; user_agent: string; request_id: string }>(
      "SELECT ip_prefix, user_agent, request_id FROM audit_events " +
        "WHERE type = 'password_reset.completed' AND user_id = ?",
      user.id,
    );
    expect(ev!.ip_prefix).toBe("203.0.113.0/24");
    expect(ev!.user_agent).toContain("Chrome");
    expect(ev!.request_id).toBeTruthy();
  });
});

describe("imported accounts: the reuse check never verifies an imported hash", () => {
  it("completes without running the imported PBKDF2, and keeps no imported hash in the history", async () => {
    const email = uniqueEmail("imported-reset");
    const DJANGO_150K = "pbkdf2_sha256$150000$legacysalt150k$/+9nlgORgBecohvkhaABlmAodKvRwGlJxiOSdmYBH/4=";
    const res = await api("/v1/users/import", {
      json: { users: [{ email, passwordHash: DJANGO_150K }] },
      headers: adminHeaders,
    });
    expect(res.status).toBe(200);
    const { token } = await requestReset(email);
    const work = spyHashWork();
    const done = await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
    expect(done.status).toBe(200);
    expect(work().hmac["SHA-256"] ?? 0).toBeLessThan(100);
    const history = await rows<{ password_hash: string }>(
      "SELECT h.password_hash FROM password_history h JOIN users u ON u.id = h.user_id WHERE u.email = ?",
      email,
    );
    expect(history).toEqual([]);
  });
});
