import { describe, expect, it } from "vitest";
import { api, createUser, postForm, resetMail, rows, strongPassword, uniqueEmail } from "../../helpers";

// An account held by a lock ("that wasn't me") or a forced reset: the right password is refused with
// the hold's code on every sign-in route, a wrong one still answers INVALID_CREDENTIALS (the hold is
// never a way to learn that an account exists), and a completed reset ends the hold.
const HOLDS = [
  { column: "locked_at", value: Date.now(), code: "ACCOUNT_LOCKED", status: 423 },
  { column: "must_reset_password", value: 1, code: "PASSWORD_RESET_REQUIRED", status: 403 },
] as const;

async function heldUser(column: string, value: number) {
  const email = uniqueEmail(`held-${column}`);
  const password = strongPassword();
  const user = await createUser(email, password);
  await rows(`UPDATE users SET ${column} = ? WHERE id = ?`, value, user.id);
  return { email, password, user };
}

/** The seed-002 password rule (upper, lower, digit, one of its special characters) also passes the others. */
const dialectPassword = () => `Held#${crypto.randomUUID().slice(0, 8)}Aa9`;

describe.each(HOLDS)("a user with $column set", ({ column, value, code, status }) => {
  it(`answers ${status} ${code} to the right password on /v1/sessions, INVALID_CREDENTIALS to a wrong one`, async () => {
    const { email, password, user } = await heldUser(column, value);
    const right = await api("/v1/sessions", { json: { email, password } });
    expect(right.status).toBe(status);
    expect(await right.json()).toMatchObject({ code });
    const wrong = await api("/v1/sessions", { json: { email, password: `${password}x` } });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: "INVALID_CREDENTIALS" });
    expect(await rows("SELECT id FROM sessions WHERE user_id = ?", user.id)).toHaveLength(0);
    const audit = await rows<{ type: string }>(
      "SELECT type FROM audit_events WHERE user_id = ? ORDER BY rowid",
      user.id,
    );
    expect(audit.map((a) => a.type)).toContain(
      code === "ACCOUNT_LOCKED" ? "sign_in.refused_locked" : "sign_in.refused_reset_required",
    );
  });

  it("is refused in each dialect's envelope", async () => {
    const email = uniqueEmail(`held-dialect-${column}`);
    const password = dialectPassword();
    const user = await createUser(email, password);
    await rows(`UPDATE users SET ${column} = ? WHERE id = ?`, value, user.id);

    const nest = await api("/auth/login", { json: { email, password } });
    expect(nest.status).toBe(status);
    expect(await nest.json()).toMatchObject({
      statusCode: status,
      code,
      error: status === 423 ? "Locked" : "Forbidden",
    });

    const sing = await api("/api/auth/login", { json: { email, password } });
    expect(sing.status).toBe(status);
    expect(await sing.json()).toMatchObject({ status, code });

    // OAuth2 (seed 003) knows only 400 errors at the token endpoint: a refused grant is invalid_grant.
    const oauth = await postForm("/api/token", { grant_type: "password", username: email, password });
    expect(oauth.status).toBe(400);
    expect(await oauth.json()).toMatchObject({ error: "invalid_grant" });
    expect(await rows("SELECT id FROM sessions WHERE user_id = ?", user.id)).toHaveLength(0);
  });

  it("ends when the owner completes a reset (requesting one answers as always)", async () => {
    const { email, password, user } = await heldUser(column, value);
    const requested = await api("/v1/password-resets", { json: { email } });
    expect(requested.status).toBe(202);
    const { token } = await resetMail(email);
    const next = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: next } })).status).toBe(200);
    const [row] = await rows<{ locked_at: number | null; must_reset_password: number }>(
      "SELECT locked_at, must_reset_password FROM users WHERE id = ?",
      user.id,
    );
    expect(row).toEqual({ locked_at: null, must_reset_password: 0 });
    expect((await api("/v1/sessions", { json: { email, password: next } })).status).toBe(200);
    expect((await api("/v1/sessions", { json: { email, password } })).status).toBe(401);
  });
});
