import { describe, expect, it } from "vitest";
import { api, clock, createUser, headerNames, mailTo, resetMail, strongPassword, uniqueEmail } from "../../helpers";

// Written from seed 001 (POST /auth/reset-password), DESIGN §5 and issue 3.

type NestError = {
  statusCode: number;
  error: string;
  message: string;
  code: string;
  errors?: { path: string; code: string }[];
};
const FORGOT = "/auth/forgot-password";
const VERIFY = "/auth/verify-otp";
const RESET = "/auth/reset-password";
const LOGIN = "/auth/login";

/** Reads an ApiErrorResponseDto and checks its required fields and that statusCode is the HTTP status. */
async function nestError(res: Response): Promise<NestError> {
  const body = (await res.json()) as NestError;
  for (const field of ["statusCode", "error", "message", "code"]) expect(body).toHaveProperty(field);
  expect(body.statusCode).toBe(res.status);
  expect(typeof body.message).toBe("string");
  return body;
}

/** Requests a code and trades it for the reset JWT. */
async function resetJwtFor(email: string): Promise<string> {
  expect((await api(FORGOT, { json: { email } })).status).toBe(200);
  const { code } = await resetMail(email);
  const res = await api(VERIFY, { json: { email, otp: code } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

describe("POST /auth/forgot-password", () => {
  it("sends a 6-digit code and answers the same bytes whether or not the email is registered", async () => {
    const known = uniqueEmail("na-known");
    await createUser(known, strongPassword());
    const a = await api(FORGOT, { json: { email: known } });
    const b = await api(FORGOT, { json: { email: uniqueEmail("na-nobody") } });
    expect(a.status).toBe(200);
    const text = await a.text();
    expect(Object.keys(JSON.parse(text))).toEqual(["message"]);
    expect(await b.text()).toBe(text);
    expect(headerNames(a)).toEqual(headerNames(b));
    expect((await resetMail(known)).code).toMatch(/^\d{6}$/);
  });

  it("400 VALIDATION_FAILED (Bad Request) without a valid email", async () => {
    const res = await api(FORGOT, { json: { email: "nope" } });
    expect(res.status).toBe(400);
    expect(await nestError(res)).toMatchObject({ statusCode: 400, error: "Bad Request", code: "VALIDATION_FAILED" });
  });
});

describe("POST /auth/verify-otp", () => {
  it("trades the right code for {message, token} (a reset JWT), once", async () => {
    const email = uniqueEmail("na-otp");
    await createUser(email, strongPassword());
    await api(FORGOT, { json: { email } });
    const { code } = await resetMail(email);
    const res = await api(VERIFY, { json: { email, otp: code } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { message: string; token: string };
    expect(Object.keys(body).sort()).toEqual(["message", "token"]);
    expect(body.token.split(".")).toHaveLength(3);
    const again = await api(VERIFY, { json: { email, otp: code } });
    expect(again.status).toBe(401);
    expect(await nestError(again)).toMatchObject({ error: "Unauthorized", code: "INVALID_CODE" });
  });

  it("401 INVALID_CODE for a wrong code (same for unknown emails), 400 for a malformed one", async () => {
    const email = uniqueEmail("na-wrong");
    await createUser(email, strongPassword());
    await api(FORGOT, { json: { email } });
    const { code } = await resetMail(email);
    const wrong = code === "000000" ? "111111" : "000000";
    const a = await api(VERIFY, { json: { email, otp: wrong } });
    const b = await api(VERIFY, { json: { email: uniqueEmail("na-none"), otp: wrong } });
    expect(a.status).toBe(401);
    const aBody = await nestError(a);
    expect(aBody.code).toBe("INVALID_CODE");
    expect(await nestError(b)).toEqual(aBody);
    const malformed = await api(VERIFY, { json: { email, otp: "12ab" } });
    expect(await nestError(malformed)).toMatchObject({ statusCode: 400, code: "VALIDATION_FAILED" });
  });
});

describe("POST /auth/verify-otp: the account's wrong-code budget", () => {
  it("after 10 wrong codes over two resets, a third reset's right code gets the same 401 INVALID_CODE", async () => {
    const email = uniqueEmail("na-budget");
    await createUser(email, strongPassword());
    for (let round = 0; round < 2; round++) {
      expect((await api(FORGOT, { json: { email } })).status).toBe(200);
      const { code } = await resetMail(email);
      const wrong = code === "000000" ? "111111" : "000000";
      for (let i = 0; i < 5; i++) expect((await api(VERIFY, { json: { email, otp: wrong } })).status).toBe(401);
    }
    expect((await api(FORGOT, { json: { email } })).status).toBe(200);
    const { code } = await resetMail(email);
    const refused = await api(VERIFY, { json: { email, otp: code } });
    expect(refused.status).toBe(401);
    expect(await nestError(refused)).toMatchObject({ error: "Unauthorized", code: "INVALID_CODE" });
  });
});

describe("POST /auth/reset-password (seed 001)", () => {
  it('200 {message: "Password has been reset successfully"}; the seed\'s sample Authorization header is ignored', async () => {
    const email = uniqueEmail("na-reset");
    await createUser(email, strongPassword());
    const token = await resetJwtFor(email);
    const res = await api(RESET, {
      json: { token, newPassword: "NewSecurePass123!" },
      headers: { Authorization: "Bearer YOUR_ACCESS_TOKEN" },
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ message: "Password has been reset successfully" });
    expect((await api(LOGIN, { json: { email, password: "NewSecurePass123!" } })).status).toBe(200);
  });

  it("400 for bad input: VALIDATION_FAILED, and PASSWORD_POLICY_VIOLATION listing each rule", async () => {
    const missing = await api(RESET, { json: { token: "x" } });
    expect(missing.status).toBe(400);
    const m = await nestError(missing);
    expect(m).toMatchObject({ statusCode: 400, error: "Bad Request", code: "VALIDATION_FAILED" });
    expect(m.errors!.map((e) => e.path)).toContain("newPassword");

    const email = uniqueEmail("na-policy");
    await createUser(email, strongPassword());
    const token = await resetJwtFor(email);
    const weak = await api(RESET, { json: { token, newPassword: "Zq9!vK" } });
    const text = await weak.clone().text();
    expect(text).not.toContain('"Zq9!vK"');
    expect(text).not.toContain(token);
    const w = await nestError(weak);
    expect(w).toMatchObject({ statusCode: 400, error: "Bad Request", code: "PASSWORD_POLICY_VIOLATION" });
    expect(w.errors!.map((e) => e.code)).toEqual(["PASSWORD_TOO_SHORT"]);
  });

  it("401 Unauthorized for an invalid, used or expired token, each with its stable code", async () => {
    // The seed's own example token (HS256, unsigned by us) is not accepted.
    const seedExample = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ0eXBlIjoicGFzc3dvcmQtcmVzZXQifQ.xyz";
    const invalid = await api(RESET, { json: { token: seedExample, newPassword: "NewSecurePass123!" } });
    expect(invalid.status).toBe(401);
    expect(await nestError(invalid)).toMatchObject({ statusCode: 401, error: "Unauthorized", code: "INVALID_TOKEN" });

    const email = uniqueEmail("na-used");
    await createUser(email, strongPassword());
    const token = await resetJwtFor(email);
    expect((await api(RESET, { json: { token, newPassword: strongPassword() } })).status).toBe(200);
    const used = await api(RESET, { json: { token, newPassword: strongPassword() } });
    expect(await nestError(used)).toMatchObject({ statusCode: 401, error: "Unauthorized", code: "TOKEN_USED" });

    const later = await resetJwtFor(email);
    // Past the reset (30 min), and so past its JWT, which never outlives it.
    clock.advance(31 * 60_000);
    const expired = await api(RESET, { json: { token: later, newPassword: strongPassword() } });
    expect(await nestError(expired)).toMatchObject({ statusCode: 401, error: "Unauthorized", code: "TOKEN_EXPIRED" });
  });

  it("a failed sign-in is exactly the seed's example error: 401 Unauthorized INVALID_CREDENTIALS", async () => {
    const email = uniqueEmail("na-creds");
    await createUser(email, strongPassword());
    const res = await api(LOGIN, { json: { email, password: "Not-The-Password-1" } });
    expect(res.status).toBe(401);
    const body = await nestError(res);
    expect(Object.keys(body).sort()).toEqual(["code", "error", "message", "statusCode"]);
    expect(body).toMatchObject({ statusCode: 401, error: "Unauthorized", code: "INVALID_CREDENTIALS" });
  });
});

describe("NestAuth journey and switch", () => {
  it("forgot-password -> email code -> verify-otp -> reset-password -> login, through NestAuth routes only", async () => {
    const email = uniqueEmail("na-journey");
    const oldPassword = strongPassword();
    await createUser(email, oldPassword);
    expect((await api(FORGOT, { json: { email } })).status).toBe(200);
    const { code } = await resetMail(email);
    const verified = (await (await api(VERIFY, { json: { email, otp: code } })).json()) as { token: string };
    const newPassword = strongPassword();
    expect((await api(RESET, { json: { token: verified.token, newPassword } })).status).toBe(200);
    const login = await api(LOGIN, { json: { email, password: newPassword } });
    expect(login.status).toBe(200);
    const session = (await login.json()) as { message: string; accessToken: string; expiresIn: number };
    expect(session.accessToken.split(".")).toHaveLength(3);
    expect(session.expiresIn).toBeGreaterThan(0);
    expect((await api(LOGIN, { json: { email, password: oldPassword } })).status).toBe(401);
    expect((await mailTo(email)).some((m) => /changed/i.test(m.subject))).toBe(true);
  });

  it("404s every NestAuth route, like an unknown route, when COMPAT_DIALECTS leaves nestauth out", async () => {
    const off = { COMPAT_DIALECTS: "nexudus,singularity" };
    for (const [path, json] of [
      [FORGOT, { email: uniqueEmail() }],
      [VERIFY, { email: uniqueEmail(), otp: "123456" }],
      [RESET, { token: "x", newPassword: "y" }],
      [LOGIN, { email: uniqueEmail(), password: "x" }],
    ] as const) {
      const res = await api(path, { json, env: off });
      expect(res.status).toBe(404);
      expect(res.headers.get("Content-Type")).toContain("application/problem+json");
      expect(((await res.json()) as { code: string }).code).toBe("NOT_FOUND");
    }
  });
});
