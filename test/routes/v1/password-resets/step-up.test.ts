import { describe, expect, it } from "vitest";
import {
  adminHeaders,
  api,
  basic,
  clock,
  codeOf,
  newClient,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../../helpers";
import { formOf, newSession, submit, visit } from "../../../helpers/pages";

// OWASP ASVS 6.4.3: a reset must not bypass a second factor. The product holds the factor; for a user
// flagged mfa at a client with stepUp, completion needs the product's proof for that very reset.
const STEP_UP_URL = "https://app.example.com/security/step-up";

async function setup(opts: { mfa?: boolean; stepUp?: boolean } = {}) {
  const client = await newClient(adminHeaders, opts.stepUp === false ? {} : { stepUp: { url: STEP_UP_URL } });
  const email = uniqueEmail("stepup");
  const created = await api("/v1/users", {
    json: { email, password: strongPassword(), mfa: opts.mfa ?? true },
    headers: adminHeaders,
  });
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string; mfa: boolean };
  const mail = await requestReset(email, { clientId: client.clientId });
  return { client, email, user, ...mail };
}

const complete = (body: Record<string, unknown>) => api("/v1/password-resets/complete", { json: body });
const grant = (challenge: string, headers: Record<string, string>) =>
  api("/v1/password-resets/step-up", { json: { challenge }, headers });

async function challengeOf(res: Response): Promise<string> {
  expect(res.status).toBe(403);
  const body = (await res.json()) as { code: string; challenge: string };
  expect(body.code).toBe("STEP_UP_REQUIRED");
  return body.challenge;
}

describe("step-up before completion (POST /v1/password-resets/step-up)", () => {
  it("refuses to complete without the product's proof, consuming nothing; the proof from the reset's client completes it", async () => {
    const { client, email, user, token } = await setup();
    expect(user.mfa).toBe(true);
    const newPassword = strongPassword();
    const challenge = await challengeOf(await complete({ token, newPassword }));
    // The challenge is no access token, whatever a product that checks only iss and aud would think.
    expect((await api("/v1/me", { headers: { Authorization: `Bearer ${challenge}` } })).status).toBe(401);
    // Nothing was consumed: the link still opens.
    expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);

    const granted = await grant(challenge, basic(client.clientId, client.clientSecret));
    expect(granted.status).toBe(200);
    const { stepUpToken } = (await granted.json()) as { stepUpToken: string };
    const done = await complete({ token, newPassword, stepUpToken });
    expect(done.status).toBe(200);
    expect(
      (await api("/v1/sessions", { json: { email, password: newPassword, clientId: client.clientId } })).status,
    ).toBe(200);
    const types = (
      await rows<{ type: string }>(
        "SELECT type FROM audit_events WHERE user_id = ? ORDER BY created_at, rowid",
        user.id,
      )
    ).map((r) => r.type);
    expect(types).toEqual(expect.arrayContaining(["step_up.required", "step_up.granted", "password_reset.completed"]));
  });

  it("grants only to the reset's own client credentials, and refuses garbage", async () => {
    const { client, token } = await setup();
    const challenge = await challengeOf(await complete({ token, newPassword: strongPassword() }));
    const other = await newClient(adminHeaders);
    const byOther = await grant(challenge, basic(other.clientId, other.clientSecret));
    expect(byOther.status).toBe(403);
    expect(await codeOf(byOther)).toBe("INSUFFICIENT_SCOPE");
    const byRoot = await grant(challenge, adminHeaders);
    expect(await codeOf(byRoot)).toBe("INSUFFICIENT_SCOPE");
    expect((await grant(challenge, {})).status).toBe(401);
    const junk = await grant(`${challenge.slice(0, -4)}AAAA`, basic(client.clientId, client.clientSecret));
    expect(junk.status).toBe(400);
    expect(await codeOf(junk)).toBe("INVALID_CHALLENGE");
    // A step-up token is not a challenge (and a challenge is not a step-up token).
    const { stepUpToken } = (await (await grant(challenge, basic(client.clientId, client.clientSecret))).json()) as {
      stepUpToken: string;
    };
    expect(await codeOf(await grant(stepUpToken, basic(client.clientId, client.clientSecret)))).toBe(
      "INVALID_CHALLENGE",
    );
    await challengeOf(await complete({ token, newPassword: strongPassword(), stepUpToken: challenge }));
  });

  it("binds the proof to its reset and to 5 minutes", async () => {
    const { client, email, token } = await setup();
    const creds = basic(client.clientId, client.clientSecret);
    const challenge = await challengeOf(await complete({ token, newPassword: strongPassword() }));
    const { stepUpToken } = (await (await grant(challenge, creds)).json()) as { stepUpToken: string };
    // Expired.
    clock.advance(301_000);
    await challengeOf(await complete({ token, newPassword: strongPassword(), stepUpToken }));
    // Another reset of the same user (the old one is superseded; its proof is worth nothing here).
    const fresh = await requestReset(email, { clientId: client.clientId });
    const second = await challengeOf(await complete({ token: fresh.token, newPassword: strongPassword() }));
    const { stepUpToken: old } = (await (await grant(second, creds)).json()) as { stepUpToken: string };
    const third = await requestReset(email, { clientId: client.clientId });
    await challengeOf(await complete({ token: third.token, newPassword: strongPassword(), stepUpToken: old }));
    // The challenge of a reset that is over is refused.
    expect(await codeOf(await grant(second, creds))).toBe("INVALID_CHALLENGE");
  });

  it("completes once under 10 concurrent completions with the same proof", async () => {
    const { client, token } = await setup();
    const challenge = await challengeOf(await complete({ token, newPassword: strongPassword() }));
    const { stepUpToken } = (await (await grant(challenge, basic(client.clientId, client.clientSecret))).json()) as {
      stepUpToken: string;
    };
    const results = await Promise.all(
      Array.from({ length: 10 }, () => complete({ token, newPassword: strongPassword(), stepUpToken })),
    );
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(await codeOf(r)).toBe("TOKEN_USED");
  });

  it("needs no proof for a user without mfa, or at a client without stepUp", async () => {
    const plain = await setup({ mfa: false });
    expect((await complete({ token: plain.token, newPassword: strongPassword() })).status).toBe(200);
    const noStepUp = await setup({ stepUp: false });
    expect((await complete({ token: noStepUp.token, newPassword: strongPassword() })).status).toBe(200);
  });

  it("is set with PATCH /v1/users/{id} {mfa} and on the client as stepUp {url} (https)", async () => {
    const { user, client } = await setup({ mfa: false });
    const patched = await api(`/v1/users/${user.id}`, { method: "PATCH", json: { mfa: true }, headers: adminHeaders });
    expect(await patched.json()).toMatchObject({ mfa: true });
    const shown = await api(`/v1/clients/${client.clientId}`, { headers: adminHeaders });
    expect(await shown.json()).toMatchObject({ stepUp: { url: STEP_UP_URL } });
    const insecure = await api(`/v1/clients/${client.clientId}`, {
      method: "PATCH",
      json: { stepUp: { url: "http://app.example.com/step-up" } },
      headers: adminHeaders,
    });
    expect(insecure.status).toBe(400);
    expect(await insecure.json()).toMatchObject({ errors: [{ path: "stepUp.url", code: "URL_NOT_HTTPS" }] });
    const [changed] = await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE client_id = ? AND type = 'client.updated'",
      client.clientId,
    );
    expect(changed).toBeUndefined();
  });
});

describe("step-up in the dialects", () => {
  it("answers STEP_UP_REQUIRED with the challenge in each envelope, and completes with stepUpToken", async () => {
    for (const [path, body] of [
      ["/auth/reset-password", (token: string, pw: string) => ({ token, newPassword: pw })],
      ["/api/auth/password/reset", (token: string, pw: string) => ({ token, password: pw })],
    ] as const) {
      const { client, token } = await setup();
      const pw = `Step#${crypto.randomUUID().slice(0, 8)}Aa9`;
      const refused = await api(path, { json: body(token, pw) });
      expect(refused.status).toBe(403);
      const { code, challenge } = (await refused.json()) as { code: string; challenge: string };
      expect(code).toBe("STEP_UP_REQUIRED");
      const { stepUpToken } = (await (await grant(challenge, basic(client.clientId, client.clientSecret))).json()) as {
        stepUpToken: string;
      };
      expect((await api(path, { json: { ...body(token, pw), stepUpToken } })).status, path).toBe(200);
    }
  });
});

describe("step-up on the hosted reset page", () => {
  it("sends the user to the product (the reset token never in its URL) and resumes with the proof", async () => {
    const { client, email, token, link } = await setup();
    const s = newSession();
    const first = await visit(s, new URL(link).pathname + new URL(link).search);
    expect(first.res.status).toBe(303);
    const to = new URL(first.res.headers.get("Location")!);
    expect(`${to.origin}${to.pathname}`).toBe(STEP_UP_URL);
    expect(to.toString()).not.toContain(token);
    const returnTo = new URL(to.searchParams.get("return_to")!);
    expect(returnTo.pathname).toBe("/reset-password/step-up");
    // Without a proof, coming back sends the user to the product again.
    expect((await visit(s, returnTo.pathname + returnTo.search)).res.status).toBe(303);

    const { stepUpToken } = (await (
      await grant(to.searchParams.get("challenge")!, basic(client.clientId, client.clientSecret))
    ).json()) as { stepUpToken: string };
    returnTo.searchParams.set("step_up_token", stepUpToken);
    const back = await visit(s, returnTo.pathname + returnTo.search);
    expect(back.res.status).toBe(200);
    const fields = formOf(back.html, "/reset-password");
    expect(fields.step_up_token).toBe(stepUpToken);
    // A form without the proof is sent back to the product, and nothing changes.
    const password = strongPassword();
    const stripped = await submit(s, "/reset-password", { ...fields, step_up_token: "", password, confirm: password });
    expect(stripped.res.status).toBe(303);
    const done = await submit(s, "/reset-password", { ...fields, password, confirm: password });
    expect(done.res.status).toBe(200);
    expect((await api("/v1/sessions", { json: { email, password, clientId: client.clientId } })).status).toBe(200);
  });
});
