import { env } from "cloudflare:workers";
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JSONWebKeySet, jwtVerify } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getConfig } from "../../../src/config";
import { fromB64, hex } from "../../../src/crypto/encoding";
import { signToken } from "../../../src/crypto/jwt";
import { getDb } from "../../../src/db/client";
import { ACCESS_TOKEN_TTL_SECONDS } from "../../../src/flows/issue-session";
import {
  adminHeaders,
  api,
  clock,
  codeOf,
  createUser,
  depsOverrides,
  envWith,
  me,
  newClient,
  newTenant,
  newUser,
  PUBLIC_BASE_URL,
  requestReset,
  rows,
  runCron,
  signInAs,
  spyHashWork,
  strongPassword,
  uniqueEmail,
} from "../../helpers";
import { gatedD1 } from "../../helpers/d1";

/** Requests and completes a reset for the address; returns the one-time login token it gave. */
async function loginTokenAfterReset(email: string): Promise<string> {
  const { token } = await requestReset(email);
  const done = await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
  expect(done.status).toBe(200);
  const { loginToken } = (await done.json()) as { loginToken?: string };
  expect(loginToken).toBeTruthy();
  return loginToken!;
}

const exchange = (loginToken: string) => api("/v1/sessions/exchange", { json: { loginToken } });

const pbkdf2Calls = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls
    .filter(([alg]) => (alg as { name: string }).name === "PBKDF2")
    .map(([alg]) => (alg as { iterations: number }).iterations);

/** Headers of a request that reached the Worker through another site (a proxy, workers.dev...). */
const FOREIGN_HOST = { Host: "attacker.example", "X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "http" };

/** The bytes of a timingSafeEqual argument, as hex. */
const argHex = (a: unknown) =>
  hex(ArrayBuffer.isView(a) ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : new Uint8Array(a as ArrayBuffer));

/**
 * A fresh access token for an existing session, signed now with the deployment's key (as the
 * Worker would sign it): isolates the session-row checks of /v1/me from the token's own expiry.
 */
async function accessTokenFor(userId: string, sid: string): Promise<string> {
  const config = await getConfig(envWith());
  return signToken(config.signing, {
    issuer: config.publicBaseUrl,
    purpose: "access",
    audience: "default",
    subject: userId,
    ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    now: clock.now(),
    claims: { sid, tid: "default", cid: "default" },
  });
}

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

  it("compares the derived hash with the stored one through crypto.subtle.timingSafeEqual", async () => {
    const email = uniqueEmail("constant-time");
    const password = strongPassword();
    const user = await createUser(email, password);
    const [row] = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", user.id);
    const storedHash = hex(fromB64(row!.password_hash.split("$").at(-1)!)!);
    const spy = vi.spyOn(crypto.subtle, "timingSafeEqual");

    expect(await codeOf(await api("/v1/sessions", { json: { email, password: "Wrong-Password-1" } }))).toBe(
      "INVALID_CREDENTIALS",
    );
    const wrongCalls = spy.mock.calls.map((args) => args.map(argHex));
    // One side is the stored hash, the other the (different) hash of the wrong password.
    expect(wrongCalls.some(([a, b]) => (a === storedHash) !== (b === storedHash))).toBe(true);

    spy.mockClear();
    expect((await api("/v1/sessions", { json: { email, password } })).status).toBe(200);
    const rightCalls = spy.mock.calls.map((args) => args.map(argHex));
    expect(rightCalls.some(([a, b]) => a === storedHash && b === storedHash)).toBe(true);
  });

  it("treats a user without a password like an unknown one", async () => {
    const email = uniqueEmail("nopass");
    await createUser(email);
    const res = await api("/v1/sessions", { json: { email, password: "Anything-Goes-1" } });
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("INVALID_CREDENTIALS");
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
    expect(
      (await api("/v1/sessions", { json: { email, password }, env: { PASSWORD_HASH_ITERATIONS: "150000" } })).status,
    ).toBe(200);
    const [again] = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE id = ?", user.id);
    expect(again!.password_hash).toBe(after!.password_hash);
  });

  it("refuses a disabled user with the same INVALID_CREDENTIALS", async () => {
    const email = uniqueEmail("disabled");
    const password = strongPassword();
    const user = await createUser(email, password);
    const patch = await api(`/v1/users/${user.id}`, {
      method: "PATCH",
      json: { disabled: true },
      headers: adminHeaders,
    });
    expect(patch.status).toBe(200);
    expect(await codeOf(await api("/v1/sessions", { json: { email, password } }))).toBe("INVALID_CREDENTIALS");
  });

  it("a client deleted by another isolate since this one cached it: INVALID_CREDENTIALS and no session", async () => {
    const c = await newClient(adminHeaders);
    const email = uniqueEmail("gone-client");
    const password = strongPassword();
    await createUser(email, password);
    const signIn = () => api("/v1/sessions", { json: { email, password, clientId: c.clientId } });
    expect((await signIn()).status).toBe(200);
    // Another isolate deletes the client (this isolate's cache still has it).
    await env.DB.prepare("DELETE FROM clients WHERE id = ?").bind(c.clientId).run();
    const res = await signIn();
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("INVALID_CREDENTIALS");
    const made = await rows<{ n: number }>("SELECT count(*) AS n FROM sessions WHERE client_id = ?", c.clientId);
    expect(made[0]!.n).toBe(1);
  });

  it("signs access tokens with PUBLIC_BASE_URL as issuer, whatever host the request came through", async () => {
    const email = uniqueEmail("issuer");
    const password = strongPassword();
    await createUser(email, password);
    const res = await api("/v1/sessions", { json: { email, password }, headers: FOREIGN_HOST });
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect(decodeJwt(accessToken)).toMatchObject({ iss: PUBLIC_BASE_URL, aud: "default", cid: "default" });
  });
});

describe("POST /v1/sessions/exchange", () => {
  it("signs the exchanged access token with PUBLIC_BASE_URL as issuer, whatever the request's host", async () => {
    const email = uniqueEmail("exchange-issuer");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    const done = await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
    const { loginToken } = (await done.json()) as { loginToken: string };
    const res = await api("/v1/sessions/exchange", { json: { loginToken }, headers: FOREIGN_HOST });
    expect(res.status).toBe(200);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect(decodeJwt(accessToken)).toMatchObject({ iss: PUBLIC_BASE_URL, aud: "default", cid: "default" });
    expect((await me(accessToken)).status).toBe(200);
  });
});

describe("access tokens say whom they are for (aud = the client id)", () => {
  it("a product verifying iss and aud with the JWKS (jose) accepts its own users' tokens, never another tenant's", async () => {
    const [a, b] = [await newTenant("A"), await newTenant("B")];
    const [aApp, bApp] = [await newClient(a.headers, { name: "A app" }), await newClient(b.headers, { name: "B app" })];
    const tokenOf = async (t: typeof a, clientId: string) => {
      const password = strongPassword();
      const user = await newUser(t.headers, { password, clientId });
      const res = await api("/v1/sessions", { json: { email: user.email, password, clientId } });
      expect(res.status).toBe(200);
      return ((await res.json()) as { accessToken: string }).accessToken;
    };
    const [aToken, bToken] = [await tokenOf(a, aApp.clientId), await tokenOf(b, bApp.clientId)];
    expect(decodeJwt(aToken)).toMatchObject({ aud: aApp.clientId, tid: a.tenantId, cid: aApp.clientId });
    expect(decodeProtectedHeader(aToken).typ).toBe("at+jwt");

    // What tenant A's backend does (the README's example): the published JWKS, its issuer, its client id.
    const jwks = createLocalJWKSet((await (await api("/.well-known/jwks.json")).json()) as JSONWebKeySet);
    const verify = (token: string) =>
      jwtVerify(token, jwks, { issuer: PUBLIC_BASE_URL, audience: aApp.clientId, typ: "at+jwt" });
    expect((await verify(aToken)).payload.sub).toBeTruthy();
    await expect(verify(bToken)).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "aud" });
    // Nor does a login token of A's own client pass as an access token (explicit typ).
    const email = uniqueEmail("aud-login");
    await createUser(email, strongPassword());
    const loginToken = await loginTokenAfterReset(email);
    await expect(
      jwtVerify(loginToken, jwks, { issuer: PUBLIC_BASE_URL, audience: "default", typ: "at+jwt" }),
    ).rejects.toMatchObject({ code: "ERR_JWT_CLAIM_VALIDATION_FAILED", claim: "typ" });
  });

  it("the service keeps the purposes apart: a login token is no access token and an access token no login token", async () => {
    const email = uniqueEmail("purposes");
    await createUser(email, strongPassword());
    const loginToken = await loginTokenAfterReset(email);
    expect(await codeOf(await me(loginToken))).toBe("UNAUTHORIZED");
    const res = await exchange(loginToken);
    const { accessToken } = (await res.json()) as { accessToken: string };
    expect((await me(accessToken)).status).toBe(200);
    expect(await codeOf(await exchange(accessToken))).toBe("INVALID_LOGIN_TOKEN");
  });
});

describe("login tokens die with the password they were issued for", () => {
  it("a completed reset marks every unused login token of the user as used (reset #1's token after reset #2)", async () => {
    const email = uniqueEmail("lt-two-resets");
    const user = await createUser(email, strongPassword());
    const first = await loginTokenAfterReset(email);
    const second = await loginTokenAfterReset(email);
    const [row] = await rows<{ used_at: number | null }>(
      "SELECT used_at FROM one_time_tokens WHERE id = ?",
      decodeJwt(first).jti,
    );
    expect(row!.used_at).not.toBeNull();
    const refused = await exchange(first);
    expect(refused.status).toBe(401);
    expect(await codeOf(refused)).toBe("INVALID_LOGIN_TOKEN");
    const ok = await exchange(second);
    expect(ok.status).toBe(200);
    expect((await me(((await ok.json()) as { accessToken: string }).accessToken)).status).toBe(200);
    expect(await rows("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL", user.id)).toHaveLength(1);
  });

  it("exchange refuses a token issued before sessions_valid_after, even while its row is unused", async () => {
    const email = uniqueEmail("lt-cut-off");
    const user = await createUser(email, strongPassword());
    const loginToken = await loginTokenAfterReset(email);
    clock.advance(1_000);
    // Every API that moves users.sessions_valid_after also marks the login tokens used, so the
    // exchange's own check is isolated by moving the cut-off alone, in SQL.
    await env.DB.prepare("UPDATE users SET sessions_valid_after = ? WHERE id = ?").bind(clock.now(), user.id).run();
    const res = await exchange(loginToken);
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("INVALID_LOGIN_TOKEN");
  });

  it("disabling (even when re-enabled), deleting and changing the email kill outstanding login tokens", async () => {
    const patch = (id: string, json: unknown) =>
      api(`/v1/users/${id}`, { method: "PATCH", json, headers: adminHeaders });

    const disabled = uniqueEmail("lt-disabled");
    const d = await createUser(disabled, strongPassword());
    const dToken = await loginTokenAfterReset(disabled);
    expect((await patch(d.id, { disabled: true })).status).toBe(200);
    expect((await patch(d.id, { disabled: false })).status).toBe(200);
    expect(await codeOf(await exchange(dToken))).toBe("INVALID_LOGIN_TOKEN");

    const moved = uniqueEmail("lt-moved");
    const m = await createUser(moved, strongPassword());
    const mToken = await loginTokenAfterReset(moved);
    expect((await patch(m.id, { email: uniqueEmail("lt-new-address") })).status).toBe(200);
    expect(await codeOf(await exchange(mToken))).toBe("INVALID_LOGIN_TOKEN");

    const deleted = uniqueEmail("lt-deleted");
    const x = await createUser(deleted, strongPassword());
    const xToken = await loginTokenAfterReset(deleted);
    expect((await api(`/v1/users/${x.id}`, { method: "DELETE", headers: adminHeaders })).status).toBe(204);
    expect(await codeOf(await exchange(xToken))).toBe("INVALID_LOGIN_TOKEN");

    for (const id of [d.id, m.id, x.id])
      expect(await rows("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL", id)).toEqual([]);
  });
});

describe("a sign-in racing a completed reset", () => {
  it("cannot leave a live session behind: the insert is guarded on the hash it verified (D1 proxy holds it)", async () => {
    const email = uniqueEmail("race");
    const oldPassword = strongPassword();
    const user = await createUser(email, oldPassword);
    const { token } = await requestReset(email);
    const d1 = gatedD1(env.DB);
    // The completion has taken its time and sent its batch (slow round trip)...
    const completionBatch = d1.gate(/^update "reset_requests" set "consumed_at"/i);
    // ...while a sign-in with the old password verifies it and sends its session insert.
    const sessionInsert = d1.gate(/^insert into "sessions"/i);
    depsOverrides.db = getDb(d1.db);

    const completing = api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } });
    await completionBatch.reached;
    clock.advance(1_000);
    const signingIn = api("/v1/sessions", { json: { email, password: oldPassword } });
    await sessionInsert.reached;
    // The completion commits first (revokes sessions, moves the cut-off), then the insert lands.
    completionBatch.release();
    expect((await completing).status).toBe(200);
    sessionInsert.release();
    const res = await signingIn;

    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("INVALID_CREDENTIALS");
    expect(await rows("SELECT id FROM sessions WHERE user_id = ?", user.id)).toEqual([]);
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
    const { accessToken, sid } = await signInAs(email, password);
    expect((await me(accessToken)).status).toBe(200);
    clock.advance(ACCESS_TOKEN_TTL_SECONDS * 1000 - 60_000);
    expect((await me(accessToken)).status).toBe(200);
    clock.advance(60_000);
    // The token expires with its session (never later): it is refused as a token first.
    const expired = await me(accessToken);
    expect(expired.status).toBe(401);
    expect(await codeOf(expired)).toBe("UNAUTHORIZED");
    // The session row has expired too: even a freshly signed token naming it is refused...
    expect(await codeOf(await me(await accessTokenFor(user.id, sid)))).toBe("SESSION_REVOKED");
    // ...while one naming a live session is accepted.
    const live = await signInAs(email, password);
    expect((await me(await accessTokenFor(user.id, live.sid))).status).toBe(200);
  });

  it("refuses a session whose row is revoked even though sessions_valid_after did not move", async () => {
    const email = uniqueEmail("row-revoked");
    const password = strongPassword();
    const user = await createUser(email, password);
    const revoked = await signInAs(email, password);
    const other = await signInAs(email, password);
    // No API revokes a session row without also moving users.sessions_valid_after (completion,
    // disabling and deletion do both), so this one mechanism alone is set up in SQL.
    await env.DB.prepare("UPDATE sessions SET revoked_at = ? WHERE id = ?").bind(clock.now(), revoked.sid).run();
    expect((await rows<{ s: number }>("SELECT sessions_valid_after AS s FROM users WHERE id = ?", user.id))[0]!.s).toBe(
      0,
    );
    const res = await me(revoked.accessToken);
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("SESSION_REVOKED");
    expect((await me(other.accessToken)).status).toBe(200);
  });

  it("refuses a session made before sessions_valid_after even though its row is not revoked", async () => {
    const email = uniqueEmail("cut-off");
    const password = strongPassword();
    const user = await createUser(email, password);
    const old = await signInAs(email, password);
    clock.advance(1_000);
    // No API moves users.sessions_valid_after without also revoking the session rows (completion
    // and disabling do both), so this one mechanism alone is set up in SQL.
    await env.DB.prepare("UPDATE users SET sessions_valid_after = ? WHERE id = ?").bind(clock.now(), user.id).run();
    expect(
      (await rows<{ r: number | null }>("SELECT revoked_at AS r FROM sessions WHERE id = ?", old.sid))[0]!.r,
    ).toBeNull();
    const res = await me(old.accessToken);
    expect(res.status).toBe(401);
    expect(await codeOf(res)).toBe("SESSION_REVOKED");
    // A session made in the very millisecond of the cut-off is refused too (<=, not <).
    const edge = await signInAs(email, password);
    const [{ c }] = (await rows<{ c: number }>("SELECT created_at AS c FROM sessions WHERE id = ?", edge.sid)) as [
      { c: number },
    ];
    await env.DB.prepare("UPDATE users SET sessions_valid_after = ? WHERE id = ?").bind(c, user.id).run();
    expect(await codeOf(await me(edge.accessToken))).toBe("SESSION_REVOKED");
    // A session made after the cut-off is accepted.
    clock.advance(1_000);
    expect((await me((await signInAs(email, password)).accessToken)).status).toBe(200);
  });
});

describe("imported accounts sign in with the same work as every other account of their tenant", () => {
  const PW = "Imported-Passw0rd!";
  // Computed in Node (crypto.pbkdf2Sync): above 100,000 iterations, so verified one HMAC per iteration.
  const DJANGO_120K = "pbkdf2_sha256$120000$legacysalt120k$UCW7REbgrt3Y3eyNqFXT6zZe4DgznHE2IM/gWAKY6ns=";
  const DJANGO_105K = "pbkdf2_sha256$105000$legacysalt105k$8UJ1b65c6a09H8SZQJBLMNvme2XIEpmh2N3Kplhiv5s=";

  it("unknown, native and imported (first sign-in, wrong password, cheaper hash): equal PBKDF2 and HMAC counts", {
    timeout: 30_000,
  }, async () => {
    const t = await newTenant("Imported");
    const { clientId } = await newClient(t.headers, { name: "imp" });
    const [a, b, c] = [uniqueEmail("imp-a"), uniqueEmail("imp-b"), uniqueEmail("native")];
    const imported = await api("/v1/users/import", {
      json: {
        users: [
          { email: a, passwordHash: DJANGO_120K },
          { email: b, passwordHash: DJANGO_105K },
        ],
      },
      headers: t.headers,
    });
    expect(imported.status).toBe(200);
    await api("/v1/users", { json: { email: c, password: PW }, headers: t.headers });

    const work = spyHashWork();
    const signIn = async (email: string, password: string, status: number) => {
      work();
      expect((await api("/v1/sessions", { json: { email, password, clientId } })).status, email).toBe(status);
      return work();
    };
    const first = await signIn(a, PW, 200); // verifies the imported hash, computes ours for the upgrade
    const runs = [
      await signIn(uniqueEmail("nobody"), PW, 401),
      await signIn(b, "Wrong-Passw0rd!", 401), // a cheaper imported hash: padded to the tenant's dearest
      await signIn(c, PW, 200),
      await signIn(a, PW, 200), // upgraded now: our hash
    ];
    expect(first.hmac["SHA-256"]).toBeGreaterThanOrEqual(120_000);
    for (const w of runs) {
      expect(w.pbkdf2).toEqual(first.pbkdf2);
      // Within a handful of HMACs (session and rate-limit keys), out of 120,000.
      expect(Math.abs(w.hmac["SHA-256"]! - first.hmac["SHA-256"]!)).toBeLessThanOrEqual(10);
    }
    const stored = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = ?", a);
    expect(stored[0]!.password_hash).toMatch(/^\$pbkdf2c-sha256\$/);

    // The floor is the dearest imported hash; a tenant imported before the column existed gets it
    // from the backfill migration. Raw SQL: reading stored state, and the pre-migration fixture.
    const floor = async () =>
      (await rows<{ v: string | null }>("SELECT legacy_verify AS v FROM tenants WHERE id = ?", t.tenantId))[0]!.v;
    const expected = { digest: "SHA-256", iterations: 120_000, blocks: 1, cost: 120_000 * 1881 };
    expect(JSON.parse((await floor())!)).toEqual(expected);
    await env.DB.prepare("UPDATE tenants SET legacy_verify = NULL WHERE id = ?").bind(t.tenantId).run();
    const backfill = (
      env as unknown as { TEST_MIGRATIONS: { name: string; queries: string[] }[] }
    ).TEST_MIGRATIONS.find((m) => m.name.includes("legacy_floor_backfill"))!;
    for (const q of backfill.queries) await env.DB.prepare(q).run();
    // a's hash is ours by now: the dearest one left is b's.
    expect(JSON.parse((await floor())!)).toEqual({ ...expected, iterations: 105_000, cost: 105_000 * 1881 });

    // Once no imported hash is left (b signs in too), the hourly maintenance clears the floor.
    expect((await api("/v1/sessions", { json: { email: b, password: PW, clientId } })).status).toBe(200);
    clock.advance(3_600_000 - (clock.now() % 3_600_000) + 1_000);
    await runCron();
    expect(await floor()).toBeNull();
    expect((await signIn(uniqueEmail("nobody"), PW, 401)).hmac["SHA-256"] ?? 0).toBeLessThan(10);

    // A tenant that imported nothing pays nothing of it.
    const other = await newClient((await newTenant("Plain")).headers, { name: "plain" });
    work();
    const res = await api("/v1/sessions", {
      json: { email: uniqueEmail("nobody"), password: PW, clientId: other.clientId },
    });
    expect(res.status).toBe(401);
    expect(work().hmac["SHA-256"] ?? 0).toBeLessThan(10);
  });
  it("compares an imported hash with the derived one through crypto.subtle.timingSafeEqual", {
    timeout: 30_000,
  }, async () => {
    const t = await newTenant("Imported compare");
    const { clientId } = await newClient(t.headers, { name: "cmp" });
    const email = uniqueEmail("imp-cmp");
    const imported = await api("/v1/users/import", {
      json: { users: [{ email, passwordHash: DJANGO_105K }] },
      headers: t.headers,
    });
    expect(imported.status).toBe(200);
    const storedHash = hex(fromB64(DJANGO_105K.split("$").at(-1)!)!);
    const spy = vi.spyOn(crypto.subtle, "timingSafeEqual");
    const res = await api("/v1/sessions", { json: { email, password: "Wrong-Passw0rd!", clientId } });
    expect(await codeOf(res)).toBe("INVALID_CREDENTIALS");
    const calls = spy.mock.calls.map((args) => args.map(argHex));
    expect(calls.some(([x, y]) => (x === storedHash) !== (y === storedHash))).toBe(true);
  });

  it("a floor above the CPU budget (an import from before the budget existed) costs a sign-in at most the budget", {
    timeout: 60_000,
  }, async () => {
    const t = await newTenant("Over budget");
    const { clientId } = await newClient(t.headers, { name: "over" });
    // Raw SQL: such a floor can no longer be made through the API (imports above the budget are refused).
    const over = { digest: "SHA-512", iterations: 2_000_000, blocks: 1, cost: 2_000_000 * 2430 };
    await env.DB.prepare("UPDATE tenants SET legacy_verify = ? WHERE id = ?")
      .bind(JSON.stringify(over), t.tenantId)
      .run();
    const work = spyHashWork();
    const res = await api("/v1/sessions", { json: { email: uniqueEmail("nobody"), password: PW, clientId } });
    expect(res.status).toBe(401);
    const w = work();
    expect(w.hmac["SHA-512"] ?? 0).toBeLessThan(10);
    // Padded to the budget itself (600,000 SHA-256 HMACs), so the tenant's accounts stay alike.
    expect(w.hmac["SHA-256"] ?? 0).toBeGreaterThanOrEqual(600_000);
    expect(w.hmac["SHA-256"] ?? 0).toBeLessThanOrEqual(600_010);
  });
});
