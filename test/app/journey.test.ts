import { describe, expect, it } from "vitest";
import {
  adminHeaders,
  api,
  clock,
  createUser,
  mailTo,
  PUBLIC_BASE_URL,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../helpers";

describe("canonical reset journey", () => {
  it("create user -> request -> email -> verify -> complete -> sign in -> /v1/me", async () => {
    const email = uniqueEmail("journey");
    const oldPassword = strongPassword();
    const user = await createUser(email, oldPassword);

    const mail = await requestReset(email);
    expect(mail.link.startsWith(`${PUBLIC_BASE_URL}/reset-password?token=`)).toBe(true);
    expect(mail.code).toMatch(/^\d{6}$/);
    expect(mail.mail.html).toContain(mail.code!);

    const verify = await api("/v1/password-resets/verify", { json: { token: mail.token } });
    expect(verify.status).toBe(200);
    const v = (await verify.json()) as { resetToken: string; email: string; expiresAt: string };
    expect(v.email).toBe(`${email[0]}***${email.split("@")[0]!.slice(-1)}@example.com`);
    expect(Date.parse(v.expiresAt)).toBeGreaterThan(clock.now());

    const newPassword = strongPassword();
    const complete = await api("/v1/password-resets/complete", { json: { token: mail.token, newPassword } });
    expect(complete.status).toBe(200);
    const done = (await complete.json()) as { status: string; userId: string; loginToken?: string };
    expect(done.status).toBe("completed");
    expect(done.userId).toBe(user.id);
    expect(done.loginToken).toBeTruthy();

    const oldSignIn = await api("/v1/sessions", { json: { email, password: oldPassword } });
    expect(oldSignIn.status).toBe(401);
    const signIn = await api("/v1/sessions", { json: { email, password: newPassword } });
    expect(signIn.status).toBe(200);
    const session = (await signIn.json()) as { accessToken: string; tokenType: string; expiresIn: number };
    expect(session.tokenType).toBe("Bearer");
    expect(session.expiresIn).toBeGreaterThan(0);

    const me = await api("/v1/me", { headers: { Authorization: `Bearer ${session.accessToken}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ id: user.id, email });

    // "Your password was changed" email arrived.
    const changed = (await mailTo(email)).find((m) => /changed/i.test(m.subject));
    expect(changed).toBeTruthy();
    expect(changed!.text).toMatch(/not you/i);
  });

  it("the code path yields a reset JWT that completes the reset once", async () => {
    const email = uniqueEmail("code");
    await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    const verify = await api("/v1/password-resets/verify", { json: { email, code } });
    expect(verify.status).toBe(200);
    const { resetToken } = (await verify.json()) as { resetToken: string };
    expect(resetToken.split(".")).toHaveLength(3);

    // The code works once.
    const again = await api("/v1/password-resets/verify", { json: { email, code } });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { code: string }).code).toBe("INVALID_CODE");

    const newPassword = strongPassword();
    const first = await api("/v1/password-resets/complete", { json: { token: resetToken, newPassword } });
    expect(first.status).toBe(200);
    const second = await api("/v1/password-resets/complete", {
      json: { token: resetToken, newPassword: strongPassword() },
    });
    expect(second.status).toBe(410);
    expect(((await second.json()) as { code: string }).code).toBe("TOKEN_USED");
    expect((await api("/v1/sessions", { json: { email, password: newPassword } })).status).toBe(200);
  });

  it("a user created without a password can set one through an admin-initiated reset", async () => {
    const email = uniqueEmail("invite");
    const user = await createUser(email);
    const res = await api(`/v1/users/${user.id}/password-reset?clientId=default`, {
      method: "POST",
      headers: adminHeaders,
    });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
    const mail = (await mailTo(email))[0]!;
    expect(mail.subject).toMatch(/new password/i);
    const token = new URL(/(https?:\/\/\S+token=[A-Za-z0-9_-]+)/.exec(mail.text)![1]!).searchParams.get("token")!;
    const [rr] = await rows<{ expires_at: number; created_at: number; kind: string }>(
      "SELECT expires_at, created_at, kind FROM reset_requests WHERE user_id = ?",
      user.id,
    );
    expect(rr!.kind).toBe("admin");
    expect(rr!.expires_at - rr!.created_at).toBe(24 * 3600 * 1000);
    const password = strongPassword();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: password } })).status).toBe(200);
    expect((await api("/v1/sessions", { json: { email, password } })).status).toBe(200);
  });
});
