import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adminHeaders,
  api,
  clock,
  createUser,
  headerNames,
  mailTo,
  newClient,
  postForm,
  resetMail,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

// Written from seeds 003 (startPasswordReset) and 000 (completePasswordReset), DESIGN §5 and issue 3.

type Envelope = {
  WasSuccessful: boolean;
  Value: unknown;
  Status: number;
  Message: string | null;
  Errors: { PropertyName: string; Message: string; AttemptedValue: null; Code: string }[] | null;
};
const START = "/api/sys/users/startPasswordReset";
const COMPLETE = "/api/sys/users/completePasswordReset";
const EXCHANGE = "/api/sys/users/exchange";
const TOKEN = "/api/token";
const ENVELOPE_FIELDS = ["WasSuccessful", "Value", "Status", "Message", "Errors"];

/** Reads an ActionConfirmation and checks the invariant of the seeds: HTTP status = Status. */
async function envelope(res: Response): Promise<Envelope> {
  expect(res.headers.get("Content-Type")).toContain("application/json");
  const body = (await res.json()) as Envelope;
  expect(Object.keys(body).sort()).toEqual([...ENVELOPE_FIELDS].sort());
  expect(body.Status).toBe(res.status);
  return body;
}

async function startAndGetToken(email: string, businessId?: number) {
  const res = await api(START, { json: { email, ...(businessId ? { businessId } : {}) } });
  expect(res.status).toBe(200);
  return (await resetMail(email)).token;
}

/** A Nexudus location: a client of the default tenant with a numeric businessId (unique, so random). */
async function location(fields: Record<string, unknown> = {}): Promise<number> {
  const businessId = 100_000 + Math.floor(Math.random() * 900_000_000);
  await newClient(adminHeaders, { name: "Nexudus location", businessId, ...fields });
  return businessId;
}

afterEach(() => vi.restoreAllMocks());

describe("POST /api/sys/users/startPasswordReset (seed 003)", () => {
  it("answers the documented ActionConfirmation, byte-identical for known and unknown emails", async () => {
    const known = uniqueEmail("nx-known");
    await createUser(known, strongPassword());
    const unknown = uniqueEmail("nx-unknown");
    const a = await api(START, { json: { email: known } });
    const b = await api(START, { json: { email: unknown } });
    expect(a.status).toBe(200);
    const text = await a.text();
    expect(JSON.parse(text)).toEqual({ WasSuccessful: true, Value: null, Status: 200, Message: null, Errors: null });
    expect(await b.text()).toBe(text);
    expect(headerNames(a)).toEqual(headerNames(b));
    expect((await mailTo(known)).length).toBe(1);
    expect(await mailTo(unknown)).toEqual([]);
  });

  it("400 envelope when the email field is missing or the body is malformed", async () => {
    const missing = await envelope(await api(START, { json: { businessId: null } }));
    expect(missing).toMatchObject({ WasSuccessful: false, Value: null, Status: 400 });
    expect(missing.Errors![0]).toMatchObject({ PropertyName: "email", AttemptedValue: null });
    expect(missing.Message).toContain("email");
    const malformed = await api(START, {
      method: "POST",
      body: '{"email":',
      headers: { "Content-Type": "application/json" },
    });
    expect(malformed.status).toBe(400);
    expect(await envelope(malformed)).toMatchObject({ WasSuccessful: false, Status: 400 });
    const notJson = await api(START, {
      method: "POST",
      body: "email=a@example.com",
      headers: { "Content-Type": "text/plain" },
    });
    expect(await envelope(notJson)).toMatchObject({ WasSuccessful: false, Status: 415 });
  });

  it("businessId selects the client with that numeric id (its reset link); unknown -> 400 envelope", async () => {
    const businessId = await location({ resetUrl: "https://portal.example.com/reset" });
    const email = uniqueEmail("nx-biz");
    await createUser(email, strongPassword());
    expect((await api(START, { json: { email, businessId } })).status).toBe(200);
    const { link } = await resetMail(email);
    expect(link.startsWith("https://portal.example.com/reset?token=")).toBe(true);

    const unknown = await envelope(await api(START, { json: { email, businessId: 999_999_001 } }));
    expect(unknown).toMatchObject({ WasSuccessful: false, Value: null, Status: 400 });
    expect(unknown.Errors).toEqual([expect.objectContaining({ PropertyName: "businessId", Code: "UNKNOWN_CLIENT" })]);
  });
});

describe("POST /api/sys/users/completePasswordReset (seed 000) and /exchange", () => {
  it("Value is a one-time JWT that /exchange trades for a bearer token exactly once", async () => {
    const email = uniqueEmail("nx-complete");
    await createUser(email, strongPassword());
    const token = await startAndGetToken(email);
    const done = await envelope(await api(COMPLETE, { json: { token, newPassword: strongPassword() } }));
    expect(done).toMatchObject({ WasSuccessful: true, Status: 200, Message: null, Errors: null });
    expect(String(done.Value).split(".")).toHaveLength(3);

    const first = await envelope(await api(EXCHANGE, { json: { token: done.Value } }));
    expect(first).toMatchObject({ WasSuccessful: true, Status: 200, Errors: null });
    const value = first.Value as { access_token: string; token_type: string; expires_in: number };
    expect(value.access_token.split(".")).toHaveLength(3);
    expect(value.token_type).toBe("Bearer");
    expect(value.expires_in).toBeGreaterThan(0);

    const again = await envelope(await api(EXCHANGE, { json: { token: done.Value } }));
    expect(again).toMatchObject({ WasSuccessful: false, Value: null, Status: 401 });
    expect(again.Errors![0]).toMatchObject({ PropertyName: "token", Code: "INVALID_LOGIN_TOKEN" });
  });

  it("honours a client's issueLoginToken: false (Value null, no token stored)", async () => {
    const businessId = await location({ issueLoginToken: false });
    const email = uniqueEmail("nx-nologin");
    const user = await createUser(email, strongPassword());
    const token = await startAndGetToken(email, businessId);
    const done = await envelope(await api(COMPLETE, { json: { token, newPassword: strongPassword(), businessId } }));
    expect(done).toMatchObject({ WasSuccessful: true, Status: 200, Value: null });
    expect(await rows("SELECT id FROM one_time_tokens WHERE user_id = ? AND kind = 'login'", user.id)).toEqual([]);
  });

  it("a client created with a businessId (a location) issues login tokens unless told otherwise", async () => {
    const businessId = 100_000 + Math.floor(Math.random() * 900_000_000);
    const created = await api("/v1/clients", { json: { name: "Location", businessId }, headers: adminHeaders });
    expect(((await created.json()) as { issueLoginToken: boolean }).issueLoginToken).toBe(true);
    const plain = await api("/v1/clients", { json: { name: "No location" }, headers: adminHeaders });
    expect(((await plain.json()) as { issueLoginToken: boolean }).issueLoginToken).toBe(false);
    const email = uniqueEmail("nx-default-login");
    await createUser(email, strongPassword());
    const token = await startAndGetToken(email, businessId);
    const done = await envelope(await api(COMPLETE, { json: { token, newPassword: strongPassword(), businessId } }));
    expect(String(done.Value).split(".")).toHaveLength(3);
  });

  it("an invalid, expired or used token is a 400 envelope (restart via startPasswordReset)", async () => {
    const invalid = await envelope(
      await api(COMPLETE, { json: { token: "A".repeat(43), newPassword: strongPassword() } }),
    );
    expect(invalid).toMatchObject({ WasSuccessful: false, Value: null, Status: 400 });
    expect(invalid.Errors![0]).toMatchObject({ PropertyName: "token", Code: "INVALID_TOKEN" });

    const email = uniqueEmail("nx-dead");
    await createUser(email, strongPassword());
    const used = await startAndGetToken(email);
    expect((await api(COMPLETE, { json: { token: used, newPassword: strongPassword() } })).status).toBe(200);
    const usedRes = await envelope(await api(COMPLETE, { json: { token: used, newPassword: strongPassword() } }));
    expect(usedRes).toMatchObject({ WasSuccessful: false, Status: 400 });
    expect(usedRes.Errors![0]!.Code).toBe("TOKEN_USED");

    const expired = await startAndGetToken(email);
    // The link lives 30 minutes.
    clock.advance(31 * 60_000);
    const expiredRes = await envelope(await api(COMPLETE, { json: { token: expired, newPassword: strongPassword() } }));
    expect(expiredRes).toMatchObject({ WasSuccessful: false, Status: 400 });
    expect(expiredRes.Errors![0]!.Code).toBe("TOKEN_EXPIRED");
  });

  it("password-policy failures fill Errors, one entry per failed rule, never echoing the password", async () => {
    const email = uniqueEmail("nx-policy");
    await createUser(email, strongPassword());
    const token = await startAndGetToken(email);
    const res = await api(COMPLETE, { json: { token, newPassword: "passw0rd" } });
    const text = await res.clone().text();
    expect(text).not.toContain("passw0rd");
    expect(text).not.toContain(token);
    const body = await envelope(res);
    expect(body).toMatchObject({ WasSuccessful: false, Value: null, Status: 400 });
    expect(body.Errors).toEqual([
      { PropertyName: "newPassword", Message: expect.any(String), AttemptedValue: null, Code: "PASSWORD_TOO_COMMON" },
    ]);
    // A refused password does not use the token up.
    expect((await api(COMPLETE, { json: { token, newPassword: strongPassword() } })).status).toBe(200);
  });

  it("refuses a token from another location when businessId names one", async () => {
    const other = await location();
    const email = uniqueEmail("nx-cross");
    await createUser(email, strongPassword());
    const token = await startAndGetToken(email);
    const res = await envelope(
      await api(COMPLETE, { json: { token, newPassword: strongPassword(), businessId: other } }),
    );
    expect(res.Errors![0]!.Code).toBe("INVALID_TOKEN");
    const unknown = await envelope(
      await api(COMPLETE, { json: { token, newPassword: strongPassword(), businessId: 999_999_002 } }),
    );
    expect(unknown.Errors![0]).toMatchObject({ PropertyName: "businessId", Code: "UNKNOWN_CLIENT" });
    expect((await api(COMPLETE, { json: { token, newPassword: strongPassword() } })).status).toBe(200);
  });

  it("says so when the password changed but the JWT could not be made (no retry of a done reset)", async () => {
    const email = uniqueEmail("nx-postcommit");
    await createUser(email, strongPassword());
    const token = await startAndGetToken(email);
    const realSign = crypto.subtle.sign.bind(crypto.subtle);
    vi.spyOn(crypto.subtle, "sign").mockImplementation(((
      alg: string | { name: string },
      key: CryptoKey,
      data: ArrayBuffer,
    ) =>
      (alg as { name?: string }).name === "ECDSA"
        ? Promise.reject(new Error("signing unavailable"))
        : realSign(alg, key, data)) as typeof crypto.subtle.sign);
    const password = strongPassword();
    const res = await envelope(await api(COMPLETE, { json: { token, newPassword: password } }));
    vi.restoreAllMocks();
    expect(res).toMatchObject({ WasSuccessful: false, Value: null, Status: 500, Errors: null });
    expect(res.Message).toMatch(/password was changed/i);
    expect((await postForm(TOKEN, { grant_type: "password", username: email, password })).status).toBe(200);
  });
});

describe("POST /api/token (OAuth2 password grant, RFC 6749)", () => {
  it("answers {access_token, token_type, expires_in}, not cached, without the envelope", async () => {
    const email = uniqueEmail("nx-token");
    const password = strongPassword();
    await createUser(email, password);
    const res = await postForm(TOKEN, { grant_type: "password", username: email, password, scope: "ignored" });
    expect(res.status).toBe(200);
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("Pragma")).toBe("no-cache");
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(["access_token", "expires_in", "token_type"]);
    expect(body.token_type).toBe("Bearer");
  });

  it("uses RFC 6749 §5.2 errors: invalid_grant (same bytes for unknown users), unsupported_grant_type, invalid_request", async () => {
    const email = uniqueEmail("nx-grant");
    await createUser(email, strongPassword());
    const wrong = await postForm(TOKEN, { grant_type: "password", username: email, password: "Wrong-Password-1" });
    const nobody = await postForm(TOKEN, {
      grant_type: "password",
      username: uniqueEmail("nx-nobody"),
      password: "Wrong-Password-1",
    });
    expect(wrong.status).toBe(400);
    const wrongText = await wrong.text();
    expect(JSON.parse(wrongText)).toEqual({ error: "invalid_grant", error_description: expect.any(String) });
    expect(wrongText).not.toContain("Wrong-Password-1");
    expect(await nobody.text()).toBe(wrongText);

    const cases: [string | Record<string, string>, string][] = [
      [{ grant_type: "client_credentials" }, "unsupported_grant_type"],
      [{ username: email, password: "x" }, "invalid_request"],
      [{ grant_type: "password", username: email }, "invalid_request"],
      ["grant_type=password&grant_type=password&username=a%40b.c&password=x", "invalid_request"],
      [{ grant_type: "password", username: email, password: "x", businessId: "abc" }, "invalid_request"],
      [{ grant_type: "password", username: email, password: "x", businessId: "999999003" }, "invalid_request"],
    ];
    for (const [fields, error] of cases) {
      const res = await postForm(TOKEN, fields);
      expect(res.status, JSON.stringify(fields)).toBe(400);
      expect(((await res.json()) as { error: string }).error, JSON.stringify(fields)).toBe(error);
    }
    const json = await api(TOKEN, { json: { grant_type: "password", username: email, password: "x" } });
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: "invalid_request" });
  });
  it("throttles with 429 slow_down and Retry-After (OAuth2 has no rate-limit error of its own)", async () => {
    const email = uniqueEmail("nx-throttle");
    await createUser(email, strongPassword());
    const opts = { env: { RATE_LIMITS: JSON.stringify({ signInPerAccount: "1/15m" }) }, ip: "198.51.100.61" };
    const fields = { grant_type: "password", username: email, password: "Wrong-Password-1" };
    expect((await postForm(TOKEN, fields, opts)).status).toBe(400);
    const limited = await postForm(TOKEN, fields, opts);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await limited.json()).toMatchObject({ error: "slow_down" });
  });
});

describe("Nexudus journey and switch", () => {
  it("start -> email -> complete -> exchange -> sign in, through Nexudus routes only", async () => {
    const businessId = await location();
    const email = uniqueEmail("nx-journey");
    const oldPassword = strongPassword();
    await createUser(email, oldPassword);

    const started = await envelope(await api(START, { json: { email, businessId } }));
    expect(started.WasSuccessful).toBe(true);
    const { token } = await resetMail(email);
    const newPassword = strongPassword();
    const completed = await envelope(await api(COMPLETE, { json: { token, newPassword, businessId } }));
    expect(completed.WasSuccessful).toBe(true);
    const exchanged = await envelope(await api(EXCHANGE, { json: { token: completed.Value } }));
    expect(exchanged.WasSuccessful).toBe(true);

    const signIn = await postForm(TOKEN, {
      grant_type: "password",
      username: email,
      password: newPassword,
      businessId: String(businessId),
    });
    expect(signIn.status).toBe(200);
    expect(((await signIn.json()) as { access_token: string }).access_token.split(".")).toHaveLength(3);
    const old = await postForm(TOKEN, { grant_type: "password", username: email, password: oldPassword });
    expect(((await old.json()) as { error: string }).error).toBe("invalid_grant");
  });

  it("404s every Nexudus route, like an unknown route, when COMPAT_DIALECTS leaves nexudus out", async () => {
    const off = { COMPAT_DIALECTS: "nestauth,singularity,nexus" };
    const unknownRoute = await (await api("/api/sys/users/nope", { method: "POST" })).json();
    for (const res of [
      await api(START, { json: { email: uniqueEmail() }, env: off }),
      await api(COMPLETE, { json: { token: "x", newPassword: "y" }, env: off }),
      await api(EXCHANGE, { json: { token: "x" }, env: off }),
      await postForm(TOKEN, { grant_type: "password", username: "a@example.com", password: "x" }, { env: off }),
    ]) {
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      const body = (await res.json()) as { code: string; title: string };
      expect(body.code).toBe("NOT_FOUND");
      expect(body.title).toBe((unknownRoute as { title: string }).title);
    }
    expect((await api(START, { json: { email: uniqueEmail() }, env: { COMPAT_DIALECTS: "nexudus" } })).status).toBe(
      200,
    );
  });

  it("serves only the reset contract: the related GET /api/sys/users/sendOtp (passwordless sign-in) is not part of it", async () => {
    expect((await api("/api/sys/users/sendOtp")).status).toBe(404);
  });
});
