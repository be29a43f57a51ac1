import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adminHeaders,
  api,
  captureFetch,
  clock,
  codeOf,
  createUser,
  mailTo,
  newClient,
  newTenant,
  newUser,
  postForm,
  requestReset,
  resetMail,
  rows,
  signInAs,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

// "That wasn't me" (issue 15 §1): the password-changed and admin-reset emails carry a single-use
// link whose token locks the account (POST /v1/account-locks here, the hosted /not-me page in
// test/routes/pages/not-me.test.ts); a lock ends with a completed reset or POST /v1/users/{id}/unlock.

const DAY = 86_400_000;
const NOT_ME = /https:\/\/reset\.example\.test\/not-me\?token=([\w-]{43})/;

/** The "that wasn't me" token of the newest email to an address that has one. */
async function notMeToken(email: string): Promise<string> {
  const mail = (await mailTo(email)).find((m) => NOT_ME.test(m.text));
  if (!mail) throw new Error(`no "that wasn't me" link for ${email}`);
  return NOT_ME.exec(mail.text)![1]!;
}

/** A user whose password was just changed by a reset: the owner's "that wasn't me" token and the new password. */
async function changedUser(clientId?: string) {
  const email = uniqueEmail("lock");
  const user = await createUser(email, strongPassword());
  const { token } = await requestReset(email, clientId ? { clientId } : {});
  const password = strongPassword();
  const done = await api("/v1/password-resets/complete", { json: { token, newPassword: password } });
  expect(done.status).toBe(200);
  return { email, user, password, notMe: await notMeToken(email) };
}

const lock = (token: string, ip?: string) => api("/v1/account-locks", { json: { token }, ...(ip ? { ip } : {}) });

const lockedAt = async (userId: string) =>
  (await rows<{ locked_at: number | null }>("SELECT locked_at FROM users WHERE id = ?", userId))[0]!.locked_at;

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/account-locks", () => {
  it("locks: sessions and login tokens revoked, open resets killed, password sign-in 423, audited", async () => {
    const { email, user, password, notMe } = await changedUser();
    const session = await signInAs(email, password);
    const { token: openReset } = await requestReset(email);
    const stored = await rows<{ kind: string; expires_at: number; created_at: number }>(
      "SELECT kind, expires_at, created_at FROM one_time_tokens WHERE user_id = ? AND kind = 'not_me'",
      user.id,
    );
    expect(stored).toHaveLength(1);
    expect(stored[0]!.expires_at - stored[0]!.created_at).toBe(7 * DAY);
    // Stored hashed: the token itself is nowhere in the table.
    expect(await rows("SELECT id FROM one_time_tokens WHERE id = ?", notMe)).toHaveLength(0);

    const res = await lock(notMe);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "locked" });
    expect(await lockedAt(user.id)).toBeTypeOf("number");
    expect(await codeOf(await api("/v1/me", { headers: { Authorization: `Bearer ${session.accessToken}` } }))).toBe(
      "SESSION_REVOKED",
    );
    expect(await rows("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL", user.id)).toHaveLength(0);
    expect(
      await rows("SELECT id FROM one_time_tokens WHERE user_id = ? AND kind = 'login' AND used_at IS NULL", user.id),
    ).toHaveLength(0);
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token: openReset } }))).toBe("TOKEN_USED");
    const signIn = await api("/v1/sessions", { json: { email, password } });
    expect(signIn.status).toBe(423);
    expect(await codeOf(signIn)).toBe("ACCOUNT_LOCKED");
    // A wrong password still says nothing about the account.
    expect(await codeOf(await api("/v1/sessions", { json: { email, password: `${password}x` } }))).toBe(
      "INVALID_CREDENTIALS",
    );
    const audit = await rows<{ type: string; data: string }>(
      "SELECT type, data FROM audit_events WHERE user_id = ? AND type IN ('account.locked', 'sessions.revoked') ORDER BY rowid",
      user.id,
    );
    expect(audit.map((a) => a.type).slice(-2)).toEqual(["account.locked", "sessions.revoked"]);
    expect(JSON.parse(audit.at(-1)!.data)).toEqual({ reason: "account_locked" });
    for (const a of audit) expect(a.data).not.toContain(notMe);
    const view = await api(`/v1/users/${user.id}`, { headers: adminHeaders });
    expect(await view.json()).toMatchObject({ locked: true });
  });

  it("is refused in every dialect's sign-in with its envelope", async () => {
    const email = uniqueEmail("lock-dialect");
    const password = `Held#${crypto.randomUUID().slice(0, 8)}Aa9`; // passes the seed dialects' rules too
    await createUser(email, password);
    const { token } = await requestReset(email);
    const next = `Next#${crypto.randomUUID().slice(0, 8)}Aa9`;
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: next } })).status).toBe(200);
    expect((await lock(await notMeToken(email))).status).toBe(200);
    const nest = await api("/auth/login", { json: { email, password: next } });
    expect(nest.status).toBe(423);
    expect(await nest.json()).toMatchObject({ statusCode: 423, code: "ACCOUNT_LOCKED" });
    const sing = await api("/api/auth/login", { json: { email, password: next } });
    expect(sing.status).toBe(423);
    expect(await sing.json()).toMatchObject({ status: 423, code: "ACCOUNT_LOCKED" });
    const oauth = await postForm("/api/token", { grant_type: "password", username: email, password: next });
    expect(oauth.status).toBe(400);
    expect(await oauth.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("of 10 concurrent submissions of one token exactly one locks; the others get TOKEN_USED", async () => {
    const { user, notMe } = await changedUser();
    const results = await Promise.all(Array.from({ length: 10 }, () => lock(notMe)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((r) => r.status !== 200)) {
      expect(r.status).toBe(410);
      expect(await codeOf(r)).toBe("TOKEN_USED");
    }
    expect(
      await rows("SELECT id FROM audit_events WHERE user_id = ? AND type = 'account.locked'", user.id),
    ).toHaveLength(1);
    expect(await codeOf(await lock(notMe))).toBe("TOKEN_USED");
  });

  it("answers INVALID_TOKEN to an unknown or malformed token and TOKEN_EXPIRED after 7 days", async () => {
    expect(await codeOf(await lock("A".repeat(43)))).toBe("INVALID_TOKEN");
    expect(await codeOf(await lock("not a token"))).toBe("INVALID_TOKEN");
    expect(await codeOf(await api("/v1/account-locks", { json: {} }))).toBe("VALIDATION_FAILED");
    // A reset's link token is not a lock token.
    const email = uniqueEmail("lock-kind");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    expect(await codeOf(await lock(token))).toBe("INVALID_TOKEN");

    const { user, notMe } = await changedUser();
    clock.advance(7 * DAY + 1000);
    const res = await lock(notMe);
    expect(res.status).toBe(410);
    expect(await codeOf(res)).toBe("TOKEN_EXPIRED");
    expect(await lockedAt(user.id)).toBeNull();
  });

  it("is rate-limited per network like the other public token endpoints", async () => {
    const env = { RATE_LIMITS: JSON.stringify({ completePerIp: "2/15m" }) };
    const ip = "198.51.100.77";
    const call = () => api("/v1/account-locks", { json: { token: "A".repeat(43) }, ip, env });
    expect(await codeOf(await call())).toBe("INVALID_TOKEN");
    expect(await codeOf(await call())).toBe("INVALID_TOKEN");
    const limited = await call();
    expect(limited.status).toBe(429);
    expect(await codeOf(limited)).toBe("RATE_LIMITED");
    expect(limited.headers.get("Retry-After")).toMatch(/^\d+$/);
  });

  it("sends the user.locked webhook through the outbox", async () => {
    const hookUrl = `https://hooks.example.com/lock/${crypto.randomUUID().slice(0, 8)}`;
    const t = await newTenant();
    const client = await newClient(t.headers, { webhookUrl: hookUrl });
    const user = await newUser(t.headers, { password: strongPassword(), clientId: client.clientId });
    const types: { type: string; data: Record<string, unknown> }[] = [];
    captureFetch(async (req) => {
      if (req.url === hookUrl) types.push(await req.json());
      return new Response(null, { status: 204 });
    });
    const { token } = await requestReset(user.email, { clientId: client.clientId });
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
    expect((await lock(await notMeToken(user.email))).status).toBe(200);
    const locked = types.find((d) => d.type === "user.locked");
    expect(locked?.data).toMatchObject({ userId: user.id, email: user.email });
    expect(locked!.data.lockedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("ends when the owner completes a fresh reset; requesting one answers byte for byte as for anyone", async () => {
    const { email, user, notMe } = await changedUser();
    expect((await lock(notMe)).status).toBe(200);
    const [locked, unknown] = await Promise.all([
      api("/v1/password-resets", { json: { email } }),
      api("/v1/password-resets", { json: { email: uniqueEmail("nobody") } }),
    ]);
    expect(locked.status).toBe(202);
    expect(await locked.text()).toBe(await unknown.text());
    const { token } = await resetMail(email);
    const next = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: next } })).status).toBe(200);
    expect(await lockedAt(user.id)).toBeNull();
    expect((await api("/v1/sessions", { json: { email, password: next } })).status).toBe(200);
  });
});

describe("the admin-initiated reset email", () => {
  it('carries an "I did not expect this" link that locks the account and kills that reset', async () => {
    const email = uniqueEmail("lock-admin");
    const password = strongPassword();
    const user = await createUser(email, password);
    const res = await api(`/v1/users/${user.id}/password-reset?clientId=default`, {
      method: "POST",
      headers: adminHeaders,
    });
    expect(res.status).toBe(204);
    const { token } = await resetMail(email);
    expect((await lock(await notMeToken(email))).status).toBe(200);
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token } }))).toBe("TOKEN_USED");
    expect(await codeOf(await api("/v1/sessions", { json: { email, password } }))).toBe("ACCOUNT_LOCKED");
  });

  it("a self-service reset email carries none (its recipient asked for it)", async () => {
    const email = uniqueEmail("lock-self");
    await createUser(email, strongPassword());
    const { mail } = await requestReset(email);
    expect(mail.text).not.toMatch(NOT_ME);
  });
});

describe("POST /v1/users/{userId}/unlock", () => {
  it("ends the lock (204, audited once), and answers 204 for a user who is not locked", async () => {
    const { email, user, password, notMe } = await changedUser();
    expect((await lock(notMe)).status).toBe(200);
    const unlock = () => api(`/v1/users/${user.id}/unlock`, { method: "POST", headers: adminHeaders });
    expect((await unlock()).status).toBe(204);
    expect(await lockedAt(user.id)).toBeNull();
    expect((await api("/v1/sessions", { json: { email, password } })).status).toBe(200);
    expect((await unlock()).status).toBe(204);
    expect(
      await rows("SELECT id FROM audit_events WHERE user_id = ? AND type = 'account.unlocked'", user.id),
    ).toHaveLength(1);
    const view = await api(`/v1/users/${user.id}`, { headers: adminHeaders });
    expect(await view.json()).toMatchObject({ locked: false });
  });

  it("needs users:write and stays within the caller's tenant", async () => {
    const t = await newTenant();
    const other = await newTenant();
    const user = await newUser(t.headers, { password: strongPassword() });
    const keyRes = await api("/v1/api-keys", { json: { name: "reader", scopes: ["users:read"] }, headers: t.headers });
    const { apiKey } = (await keyRes.json()) as { apiKey: string };
    const readOnly = await api(`/v1/users/${user.id}/unlock`, {
      method: "POST",
      headers: { Authorization: `Bearer ${apiKey}` },
    });
    expect(readOnly.status).toBe(403);
    expect(await codeOf(readOnly)).toBe("INSUFFICIENT_SCOPE");
    const foreign = await api(`/v1/users/${user.id}/unlock`, { method: "POST", headers: other.headers });
    expect(await codeOf(foreign)).toBe("USER_NOT_FOUND");
    expect((await api(`/v1/users/${user.id}/unlock`, { method: "POST", headers: t.headers })).status).toBe(204);
  });
});
