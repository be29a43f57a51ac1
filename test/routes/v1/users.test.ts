import { afterEach, describe, expect, it, vi } from "vitest";
import { getConfig } from "../../../src/config";
import { MAX_ITERATIONS_PER_CALL } from "../../../src/crypto/password";
import {
  adminHeaders,
  api,
  codeOf,
  createUser,
  envWith,
  mailTo,
  newClient,
  newTenant,
  type Problem,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

afterEach(() => vi.restoreAllMocks());

const PW = "Imported-Passw0rd!";
// Computed independently in Node (crypto.pbkdf2Sync) for PW; see the import formats in the README.
const IMPORTS = {
  django: "pbkdf2_sha256$50000$djangosalt123$hOYZx9sSxIOLkHOjKJeXIuwcOg+KbCbrMRT9Xftlugs=",
  // Above the per-call ceiling: verified one WebCrypto HMAC per iteration (pbkdf2Hmac).
  django110k: "pbkdf2_sha256$110000$legacysalt110k$m8bpDAnttdaE9fue19yDI6VdKMl3ZBmt25XzIumBbJM=",
  passlib:
    "$pbkdf2-sha512$25000$ABEiM0RVZneImaq7zN3u/w$JWmVKtCqrpvyQ76zLRwr7IUde5pQnpRPVyY7O0W/Xfug6ouqIKHp4p40hbQ4ZUlw1lXlsPG8wFzGGN3WZGtSeA",
  phc: "$pbkdf2-sha256$i=10000,l=32$ABEiM0RVZneImaq7zN3u/w$zxxdlOUU7tQnog0RLkG7Z1klQXbuxi9/IcO7ilT2R+M",
  object: {
    algorithm: "pbkdf2-sha512",
    iterations: 30000,
    salt: "00112233445566778899aabbccddeeff",
    hash: "05e3206bfc988a8393cedf2d4383f8d6c8fdc995ee2a42a27dec6110931f177c18ea5ed5af23dfc0193855aaa3752b4e6d2d4e0770aabfac540bed057eb49b5e",
    encoding: "hex",
  },
};
const TOO_MANY = {
  algorithm: "pbkdf2-sha512",
  iterations: 2_000_001,
  salt: "ABEiM0RVZneImaq7zN3u/w",
  hash: "UdxWN57mJ5pjN36FmiauQiTJRmWpUIh7x5hX2IE8hMxs7dtQAD54aYPlKTIrxL1JbquilT0Yy1TofQ0/j4EAAA",
};

const pbkdf2Calls = (spy: { mock: { calls: unknown[][] } }) =>
  spy.mock.calls
    .filter(([alg]) => (alg as { name: string }).name === "PBKDF2")
    .map(([alg]) => (alg as { iterations: number }).iterations);
const signIn = (email: string, password: string) => api("/v1/sessions", { json: { email, password } });
const storedHash = async (email: string) =>
  (await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = ?", email))[0]!.password_hash;

describe("POST /v1/users and GET /v1/users/{id}", () => {
  it("creates, conflicts and reads users", async () => {
    const email = uniqueEmail("Admin");
    const created = await api("/v1/users", {
      json: { email: `  ${email.toUpperCase()}`, name: "Ada", locale: "en" },
      headers: adminHeaders,
    });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; email: string; hasPassword: boolean };
    expect(user.email).toBe(email.toLowerCase());
    expect(user.hasPassword).toBe(false);
    expect(user).not.toHaveProperty("passwordHash");
    const dup = await api("/v1/users", { json: { email }, headers: adminHeaders });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as Problem).code).toBe("USER_EXISTS");
    const got = await api(`/v1/users/${user.id}`, { headers: adminHeaders });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: user.id, name: "Ada" });
    const missing = await api("/v1/users/usr_missing", { headers: adminHeaders });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Problem).code).toBe("USER_NOT_FOUND");
  });

  it("checks the password policy when a user is created with a password", async () => {
    const res = await api("/v1/users", { json: { email: uniqueEmail(), password: "password" }, headers: adminHeaders });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body.code).toBe("PASSWORD_POLICY_VIOLATION");
    expect(body.errors!.map((e) => e.code)).toEqual(["PASSWORD_TOO_COMMON"]);
  });
});

describe("PATCH /v1/users/{id}", () => {
  it("updates email, name, locale; a new email kills outstanding resets; taken addresses conflict", async () => {
    const user = await createUser(uniqueEmail("patch"), strongPassword());
    const { token } = await requestReset(user.email);
    const email = uniqueEmail("moved");
    const res = await api(`/v1/users/${user.id}`, {
      method: "PATCH",
      json: { email: email.toUpperCase(), name: "Grace", locale: "fr" },
      headers: adminHeaders,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ email, name: "Grace", locale: "fr", disabled: false });
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token } }))).toBe("TOKEN_USED");
    const other = await createUser(uniqueEmail("other"));
    expect(
      await codeOf(await api(`/v1/users/${other.id}`, { method: "PATCH", json: { email }, headers: adminHeaders })),
    ).toBe("USER_EXISTS");
    const cleared = await api(`/v1/users/${user.id}`, { method: "PATCH", json: { name: null }, headers: adminHeaders });
    expect(((await cleared.json()) as { name: string | null }).name).toBeNull();
    const [evt] = await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE user_id = ? AND type = 'user.updated' ORDER BY created_at LIMIT 1",
      user.id,
    );
    expect(JSON.parse(evt!.data)).toEqual({ fields: ["email", "name", "locale"] });
    expect(evt!.data).not.toContain(email);
  });

  it("disabling revokes every session and reset; the user then looks unknown to public endpoints", async () => {
    const password = strongPassword();
    const user = await createUser(uniqueEmail("disable"), password);
    const unknown = uniqueEmail("ghost");
    const { accessToken } = (await (await signIn(user.email, password)).json()) as { accessToken: string };
    const { token, code } = await requestReset(user.email);
    expect(
      (await api(`/v1/users/${user.id}`, { method: "PATCH", json: { disabled: true }, headers: adminHeaders })).status,
    ).toBe(200);
    expect(await codeOf(await api("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } }))).toBe(
      "SESSION_REVOKED",
    );
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token } }))).toBe("TOKEN_USED");
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { email: user.email, code } }))).toBe(
      "INVALID_CODE",
    );
    // Same bytes as for an unknown address, and no email.
    const before = (await mailTo(user.email)).length;
    const a = await api("/v1/password-resets", { json: { email: user.email } });
    const b = await api("/v1/password-resets", { json: { email: unknown } });
    expect(a.status).toBe(b.status);
    expect(await a.text()).toBe(await b.text());
    expect((await mailTo(user.email)).length).toBe(before);
    expect(await codeOf(await signIn(user.email, password))).toBe("INVALID_CREDENTIALS");
    const types = (await rows<{ type: string }>("SELECT type FROM audit_events WHERE user_id = ?", user.id)).map(
      (r) => r.type,
    );
    expect(types).toContain("sessions.revoked");
    // Enabled again, the user can reset as before.
    await api(`/v1/users/${user.id}`, { method: "PATCH", json: { disabled: false }, headers: adminHeaders });
    expect((await requestReset(user.email)).token).toBeTruthy();
  });
});

describe("DELETE /v1/users/{id}", () => {
  it("revokes sessions, kills resets, removes the user; the audit trail stays readable", async () => {
    const password = strongPassword();
    const user = await createUser(uniqueEmail("delete"), password);
    const { accessToken } = (await (await signIn(user.email, password)).json()) as { accessToken: string };
    const { token } = await requestReset(user.email);
    expect((await api(`/v1/users/${user.id}`, { method: "DELETE", headers: adminHeaders })).status).toBe(204);
    expect((await api(`/v1/me`, { headers: { Authorization: `Bearer ${accessToken}` } })).status).toBe(401);
    expect(
      (await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status,
    ).toBeGreaterThanOrEqual(400);
    expect(await codeOf(await api(`/v1/users/${user.id}`, { headers: adminHeaders }))).toBe("USER_NOT_FOUND");
    expect(await rows("SELECT id FROM sessions WHERE user_id = ? AND revoked_at IS NULL", user.id)).toEqual([]);
    const events = (await (await api(`/v1/users/${user.id}/events`, { headers: adminHeaders })).json()) as {
      events: { type: string }[];
    };
    expect(events.events.map((e) => e.type)).toEqual(
      expect.arrayContaining(["user.deleted", "sessions.revoked", "user.created"]),
    );
    expect((await api("/v1/users", { json: { email: user.email }, headers: adminHeaders })).status).toBe(201);
  });
});

describe("POST /v1/users/import", () => {
  it("imports PBKDF2 hashes (Django, passlib, PHC, explicit object) that sign in and are upgraded, each call ≤ 100,000 iterations", {
    timeout: 30_000,
  }, async () => {
    const t = await newTenant();
    const client = await newClient(t.headers, { name: "imp" });
    const emails = Object.keys(IMPORTS).map((k) => uniqueEmail(`imp-${k}`));
    const res = await api("/v1/users/import", {
      json: {
        users: Object.values(IMPORTS).map((passwordHash, i) => ({ email: emails[i], passwordHash, name: `User ${i}` })),
      },
      headers: t.headers,
    });
    expect(res.status, await res.clone().text()).toBe(200);
    const body = (await res.json()) as { imported: { index: number; id: string }[]; skipped: unknown[] };
    expect(body.imported.map((u) => u.index)).toEqual([0, 1, 2, 3, 4]);
    expect(body.skipped).toEqual([]);
    for (const email of emails) {
      expect(await storedHash(email)).toMatch(/^\$pbkdf2-sha(256|512)\$i=\d+,l=\d+\$/);
      const spy = vi.spyOn(crypto.subtle, "deriveBits");
      const wrong = await api("/v1/sessions", {
        json: { email, password: "not-it-at-all", clientId: client.clientId },
      });
      expect(wrong.status).toBe(401);
      const ok = await api("/v1/sessions", { json: { email, password: PW, clientId: client.clientId } });
      expect(ok.status, email).toBe(200);
      const calls = pbkdf2Calls(spy);
      expect(calls.length).toBeGreaterThan(0);
      for (const n of calls) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS_PER_CALL);
      vi.restoreAllMocks();
      // Upgraded to our scheme after the first successful sign-in, and still works.
      expect(await storedHash(email)).toMatch(/^\$pbkdf2c-sha256\$v=1\$/);
      expect((await api("/v1/sessions", { json: { email, password: PW, clientId: client.clientId } })).status).toBe(
        200,
      );
    }
  });

  it("refuses hashes above the budget and malformed ones, importing nothing; skips existing addresses", async () => {
    const t = await newTenant();
    const existing = uniqueEmail("exists");
    await api("/v1/users", { json: { email: existing }, headers: t.headers });
    const fresh = uniqueEmail("fresh");
    const bad = await api("/v1/users/import", {
      json: {
        users: [
          { email: fresh },
          { email: uniqueEmail(), passwordHash: TOO_MANY },
          { email: uniqueEmail(), passwordHash: "md5$abc" },
          {
            email: uniqueEmail(),
            passwordHash: `$pbkdf2c-sha256$v=1$i=20000,r=1,k=ffffffff$${"A".repeat(22)}$${"A".repeat(43)}`,
          },
        ],
      },
      headers: t.headers,
    });
    expect(bad.status).toBe(400);
    const problem = (await bad.json()) as { code: string; errors: { path: string; code: string }[] };
    expect(problem.errors.map((e) => `${e.path}:${e.code}`)).toEqual([
      "users.1.passwordHash:HASH_ITERATIONS_TOO_HIGH",
      "users.2.passwordHash:UNSUPPORTED_HASH_FORMAT",
      "users.3.passwordHash:FOREIGN_PEPPER",
    ]);
    expect(await rows("SELECT id FROM users WHERE email = ?", fresh)).toEqual([]);

    const ok = await api("/v1/users/import", {
      json: {
        users: [
          { email: existing },
          { email: fresh },
          { email: fresh.toUpperCase() },
          { email: uniqueEmail(), disabled: true },
        ],
      },
      headers: t.headers,
    });
    const body = (await ok.json()) as { imported: { index: number }[]; skipped: { index: number; code: string }[] };
    expect(body.imported.map((u) => u.index)).toEqual([1, 3]);
    expect(body.skipped).toEqual([
      expect.objectContaining({ index: 0, code: "USER_EXISTS" }),
      expect.objectContaining({ index: 2, code: "DUPLICATE_IN_REQUEST" }),
    ]);
    const audits = await rows(
      "SELECT id FROM audit_events WHERE tenant_id = ? AND type = 'user.created' AND data LIKE '%imported%'",
      t.tenantId,
    );
    expect(audits).toHaveLength(2);
  });

  it("refuses hashes above the CPU budget of one verification: SHA-256 600,000, SHA-512 464,444 per block", async () => {
    const t = await newTenant();
    const salt = "ABEiM0RVZneImaq7zN3u/w";
    const h32 = "Ugl+j/cgXzRDeJQxxT2vQmWgk/mIBvdWtcFJoFAzCjQ";
    const h64 = `${h32}${h32}`;
    const explicit = (algorithm: string, iterations: number, hash = h32) => ({ algorithm, iterations, salt, hash });
    const attempt = async (passwordHash: unknown) => {
      const res = await api("/v1/users/import", {
        json: { users: [{ email: uniqueEmail("budget"), passwordHash }] },
        headers: t.headers,
      });
      return res.status === 200 ? "ok" : ((await res.json()) as Problem).errors![0]!.code;
    };
    expect(await attempt(explicit("pbkdf2-sha256", 600_000))).toBe("ok"); // OWASP's recommendation, Django 4.2
    expect(await attempt(explicit("pbkdf2-sha256", 600_001))).toBe("HASH_ITERATIONS_TOO_HIGH");
    expect(await attempt(`pbkdf2_sha256$870000$djangosalt870$${h32}=`)).toBe("HASH_ITERATIONS_TOO_HIGH"); // Django 5.1
    expect(await attempt(explicit("pbkdf2-sha512", 464_444, h64))).toBe("ok"); // Keycloak's 210,000 fits
    expect(await attempt(explicit("pbkdf2-sha512", 464_445, h64))).toBe("HASH_ITERATIONS_TOO_HIGH");
    expect(await attempt(`$pbkdf2-sha512$i=2000000,l=64$${salt}$${h64}`)).toBe("HASH_ITERATIONS_TOO_HIGH");
    // A 64-byte SHA-256 key is two PBKDF2 blocks: twice the work.
    expect(await attempt(explicit("pbkdf2-sha256", 300_000, h64))).toBe("ok");
    expect(await attempt(explicit("pbkdf2-sha256", 300_001, h64))).toBe("HASH_ITERATIONS_TOO_HIGH");
  });

  it("takes a resetkit hash only when the real parser reads it with this deployment's pepper and parameters", async () => {
    const t = await newTenant();
    const { pepperId } = (await getConfig(envWith())).keys;
    // The deployment's own hash (current parameters), copied from a user made through the API.
    const source = uniqueEmail("own-hash");
    await api("/v1/users", { json: { email: source, password: PW }, headers: t.headers });
    const own = await storedHash(source);
    const salt = own.split("$")[4]!;
    const hash = own.split("$")[5]!;
    const attempt = async (passwordHash: string) => {
      const res = await api("/v1/users/import", {
        json: { users: [{ email: uniqueEmail("own-import"), passwordHash }] },
        headers: t.headers,
      });
      return res.status === 200 ? "ok" : ((await res.json()) as Problem).errors![0]!.code;
    };
    for (const bad of [
      `$pbkdf2c-sha256$v=1$i=1000,r=1,k=${pepperId}$AAAA$AAAA`, // contains the pepper id, hash too short
      `$pbkdf2c-sha256$anything at all,k=${pepperId}$`,
      `$pbkdf2c-sha256$v=1$i=100000,r=100,k=${pepperId}$${salt}$${hash}`, // 10,000,000 iterations per sign-in
      `$pbkdf2c-sha256$v=1$i=10000,r=1,k=${pepperId}$${salt}$${hash}`, // not the current parameters
    ])
      expect(await attempt(bad), bad).not.toBe("ok");
    expect(await attempt(own.replace(`k=${pepperId}`, "k=ffffffff"))).toBe("FOREIGN_PEPPER");
    const email = uniqueEmail("own-import");
    await api("/v1/users/import", { json: { users: [{ email, passwordHash: own }] }, headers: t.headers });
    expect(await storedHash(email)).toBe(own);
    const { clientId } = await newClient(t.headers, { name: "own" });
    expect((await api("/v1/sessions", { json: { email, password: PW, clientId } })).status).toBe(200);
  });

  it("takes 1,000 users in one call (a body far above 16 KiB), and no more", async () => {
    const t = await newTenant();
    const users = Array.from({ length: 1000 }, (_, i) => ({
      email: `bulk-${i}-${crypto.randomUUID().slice(0, 6)}@example.com`,
      passwordHash: IMPORTS.phc,
    }));
    const res = await api("/v1/users/import", { json: { users }, headers: t.headers });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { imported: unknown[] }).imported).toHaveLength(1000);
    expect((await rows<{ n: number }>("SELECT count(*) AS n FROM users WHERE tenant_id = ?", t.tenantId))[0]!.n).toBe(
      1000,
    );
    const tooMany = await api("/v1/users/import", {
      json: { users: [...users, { email: uniqueEmail() }] },
      headers: t.headers,
    });
    expect(tooMany.status).toBe(400);
  });
});

describe("POST /v1/users/{id}/password-reset", () => {
  it("admin reset follows seed 004: 204 empty, 400/404 problem details", async () => {
    const user = await createUser(uniqueEmail("nexus"));
    const missingClient = await api(`/v1/users/${user.id}/password-reset`, { method: "POST", headers: adminHeaders });
    expect(missingClient.status).toBe(400);
    const p400 = (await missingClient.json()) as Problem;
    for (const k of ["type", "title", "status", "detail", "instance"]) expect(p400).toHaveProperty(k);
    const unknownClient = await api(`/v1/users/${user.id}/password-reset?clientId=nope`, {
      method: "POST",
      headers: adminHeaders,
    });
    expect(unknownClient.status).toBe(400);
    const unknownUser = await api(`/v1/users/usr_nope/password-reset?clientId=default`, {
      method: "POST",
      headers: adminHeaders,
    });
    expect(unknownUser.status).toBe(404);
    const p404 = (await unknownUser.json()) as Problem;
    expect(p404).toMatchObject({ status: 404, code: "USER_NOT_FOUND", instance: "/v1/users/usr_nope/password-reset" });
    const ok = await api(`/v1/users/${user.id}/password-reset?clientId=default`, {
      method: "POST",
      headers: adminHeaders,
    });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe("");
  });
});
