import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { api, createUser, rows, strongPassword, uniqueEmail } from "./helpers";

const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;
const pbkdf2Calls = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls.filter(([alg]) => (alg as { name: string }).name === "PBKDF2").map(([alg]) => (alg as { iterations: number }).iterations);

afterEach(() => vi.restoreAllMocks());

describe("POST /v1/sessions", () => {
  it("gives the same 401 INVALID_CREDENTIALS, after the same hashing work, for unknown user and wrong password", async () => {
    const email = uniqueEmail("signin");
    await createUser(email, strongPassword());
    const spy = vi.spyOn(crypto.subtle, "deriveBits");
    const wrong = await api("/v1/sessions", { json: { email, password: "Wrong-Password-1" } });
    const wrongWork = pbkdf2Calls(spy);
    spy.mockClear();
    const unknown = await api("/v1/sessions", { json: { email: uniqueEmail("ghost"), password: "Wrong-Password-1" } });
    const unknownWork = pbkdf2Calls(spy);
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const [a, b] = [await wrong.json(), await unknown.json()] as { requestId: string }[];
    expect({ ...a, requestId: "" }).toEqual({ ...b, requestId: "" });
    expect((a as unknown as { code: string }).code).toBe("INVALID_CREDENTIALS");
    expect(wrongWork.length).toBeGreaterThan(0);
    expect(unknownWork).toEqual(wrongWork);
  });

  it("treats a user without a password like an unknown one", async () => {
    const email = uniqueEmail("nopass");
    await createUser(email);
    const res = await api("/v1/sessions", { json: { email, password: "Anything-Goes-1" } });
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("INVALID_CREDENTIALS");
  });

  it("limits attempts per account, whatever the IP", async () => {
    const email = uniqueEmail("brute");
    const password = strongPassword();
    await createUser(email, password);
    const limits = { RATE_LIMITS: JSON.stringify({ signInPerAccount: "3/15m", signInPerIp: "1000/15m" }) };
    for (let i = 0; i < 3; i++) {
      expect((await api("/v1/sessions", { json: { email, password: "Wrong-Password-1" }, env: limits, ip: `198.51.100.${i + 1}` })).status).toBe(401);
    }
    const blocked = await api("/v1/sessions", { json: { email, password }, env: limits, ip: "198.51.100.99" });
    expect(blocked.status).toBe(429);
    expect(await codeOf(blocked)).toBe("RATE_LIMITED");
    expect(blocked.headers.get("Retry-After")).toBeTruthy();
  });

  it("rehashes on sign-in when the hashing parameters changed", async () => {
    const email = uniqueEmail("rehash");
    const password = strongPassword();
    const user = await createUser(email, password);
    const [before] = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", user.id);
    expect(before!.password_hash).toMatch(/^\$pbkdf2c-sha256\$v=1\$i=20000,r=1,/);
    const res = await api("/v1/sessions", { json: { email, password }, env: { PASSWORD_HASH_ITERATIONS: "150000" } });
    expect(res.status).toBe(200);
    const [after] = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", user.id);
    expect(after!.password_hash).toMatch(/^\$pbkdf2c-sha256\$v=1\$i=75000,r=2,/);
    // Still signs in under the new parameters, and no further rehash happens.
    expect((await api("/v1/sessions", { json: { email, password }, env: { PASSWORD_HASH_ITERATIONS: "150000" } })).status).toBe(200);
    const [again] = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", user.id);
    expect(again!.password_hash).toBe(after!.password_hash);
  });

  it("refuses a disabled user with the same INVALID_CREDENTIALS", async () => {
    const email = uniqueEmail("disabled");
    const password = strongPassword();
    const user = await createUser(email, password);
    await env.DB.prepare("UPDATE users SET disabled = 1 WHERE id = ?").bind(user.id).run();
    expect(await codeOf(await api("/v1/sessions", { json: { email, password } }))).toBe("INVALID_CREDENTIALS");
  });
});

describe("GET /v1/me", () => {
  it("needs a valid access token", async () => {
    expect(await codeOf(await api("/v1/me"))).toBe("UNAUTHORIZED");
    expect(await codeOf(await api("/v1/me", { headers: { Authorization: "Bearer nope" } }))).toBe("UNAUTHORIZED");
  });

  it("stops accepting a token once its session is revoked or expired", async () => {
    const email = uniqueEmail("me");
    const password = strongPassword();
    const user = await createUser(email, password);
    const { accessToken } = (await (await api("/v1/sessions", { json: { email, password } })).json()) as { accessToken: string };
    const auth = { Authorization: `Bearer ${accessToken}` };
    expect((await api("/v1/me", { headers: auth })).status).toBe(200);
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?").bind(Date.now() - 1, user.id).run();
    expect(await codeOf(await api("/v1/me", { headers: auth }))).toBe("SESSION_REVOKED");
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public signing key only", async () => {
    const res = await api("/.well-known/jwks.json");
    const jwks = (await res.json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(jwks.keys[0]!.kid).toBeTruthy();
  });
});
