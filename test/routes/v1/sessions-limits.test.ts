import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../../src/db/client";
import {
  api,
  clock,
  codeOf,
  createUser,
  depsOverrides,
  mailTo,
  requestReset,
  strongPassword,
  uniqueEmail,
} from "../../helpers";
import { productionKv } from "../../helpers/kv";

// The sign-in budgets of POST /v1/sessions (src/flows/sign-in.ts, src/db/budgets.ts): failures per
// (account, network) and per account, counted in D1 with one atomic statement, so that parallel
// guesses cannot overrun them; and why they never lock the owner out of a reset.

afterEach(() => vi.restoreAllMocks());

const signIn = (email: string, password: string, opts: { ip?: string; env?: Record<string, string> } = {}) =>
  api("/v1/sessions", { json: { email, password }, ...opts });

/** PBKDF2 calls made while `work` runs (one per checked password at the test's iteration count). */
async function pbkdf2During(work: () => Promise<unknown>): Promise<number> {
  const spy = vi.spyOn(crypto.subtle, "deriveBits");
  await work();
  const n = spy.mock.calls.filter(([alg]) => (alg as { name: string }).name === "PBKDF2").length;
  spy.mockRestore();
  return n;
}

const ip4 = () => `198.19.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

describe("POST /v1/sessions: the per-account budget", () => {
  it("checks at most signInPerAccount of 40 simultaneous wrong passwords; the rest get 429 with Retry-After", async () => {
    const email = uniqueEmail("brute");
    await createUser(email, strongPassword());
    const ip = ip4();
    let responses: Response[] = [];
    const derived = await pbkdf2During(async () => {
      responses = await Promise.all(Array.from({ length: 40 }, () => signIn(email, "Wrong-Password-1", { ip })));
    });
    const by = (s: number) => responses.filter((r) => r.status === s);
    expect(by(401)).toHaveLength(10); // signInPerAccount default: 10 per 15 minutes
    expect(by(429)).toHaveLength(30);
    for (const r of by(429)) {
      expect(await codeOf(r)).toBe("RATE_LIMITED");
      expect(Number(r.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(Number(r.headers.get("Retry-After"))).toBeLessThanOrEqual(900);
    }
    // The refused ones never reached the password check (10 checks at 20,000 iterations = 1 call each).
    expect(derived).toBe(10);
  });

  it("holds across isolates: 40 wrong passwords spread over 4 isolates check 10 in all (the budget is in D1, not KV)", async () => {
    const email = uniqueEmail("brute-iso");
    await createUser(email, strongPassword());
    const fake = productionKv();
    const isolates = [fake.kv, fake.isolate(), fake.isolate(), fake.isolate()];
    const ip = ip4();
    let responses: Response[] = [];
    const derived = await pbkdf2During(async () => {
      responses = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          api("/v1/sessions", {
            json: { email, password: "Wrong-Password-1" },
            ip,
            bindings: { RATE_LIMIT_KV: isolates[i % 4]! },
          }),
        ),
      );
    });
    expect(responses.filter((r) => r.status === 401)).toHaveLength(10);
    expect(derived).toBe(10);
  });

  it("is the same for an unknown account (no enumeration through the budget)", async () => {
    const env = { RATE_LIMITS: JSON.stringify({ signInPerAccount: "3/15m" }) };
    const ip = ip4();
    const nobody = uniqueEmail("nobody");
    const out: number[] = [];
    for (let i = 0; i < 5; i++) out.push((await signIn(nobody, "Wrong-1-pass", { ip, env })).status);
    const known = uniqueEmail("known-budget");
    await createUser(known, strongPassword());
    const outKnown: number[] = [];
    for (let i = 0; i < 5; i++) outKnown.push((await signIn(known, "Wrong-1-pass", { ip, env })).status);
    expect(out).toEqual([401, 401, 401, 429, 429]);
    expect(outKnown).toEqual(out);
  });

  it("counts failures only: a user who signs in often is never limited", async () => {
    const email = uniqueEmail("frequent");
    const password = strongPassword();
    await createUser(email, password);
    const env = { RATE_LIMITS: JSON.stringify({ signInPerAccount: "3/15m" }) };
    const ip = ip4();
    for (let i = 0; i < 8; i++) expect((await signIn(email, password, { ip, env })).status).toBe(200);
    // Two typos in between still leave room for the right password.
    expect((await signIn(email, "Typo-Password-1", { ip, env })).status).toBe(401);
    expect((await signIn(email, "Typo-Password-2", { ip, env })).status).toBe(401);
    expect((await signIn(email, password, { ip, env })).status).toBe(200);
    expect((await signIn(email, "Typo-Password-3", { ip, env })).status).toBe(401);
    expect((await signIn(email, password, { ip, env })).status).toBe(429);
  });

  it("is keyed by (account, network): an attacker's network does not lock the owner out", async () => {
    const email = uniqueEmail("lockout");
    const password = strongPassword();
    await createUser(email, password);
    const env = { RATE_LIMITS: JSON.stringify({ signInPerAccount: "3/15m" }) };
    const attacker = "2001:db8:bad:1::1";
    for (let i = 0; i < 3; i++)
      expect((await signIn(email, "Wrong-Password-1", { ip: attacker, env })).status).toBe(401);
    // Any address of the attacker's /64 is the same network.
    expect((await signIn(email, password, { ip: "2001:db8:bad:1::ffff", env })).status).toBe(429);
    // The owner, elsewhere, signs in.
    expect((await signIn(email, password, { ip: ip4(), env })).status).toBe(200);
  });

  it("caps failures per account across networks (signInPerAccountTotal), and the window ends", async () => {
    const email = uniqueEmail("spread");
    const password = strongPassword();
    await createUser(email, password);
    const env = { RATE_LIMITS: JSON.stringify({ signInPerAccount: "2/15m", signInPerAccountTotal: "5/1d" }) };
    const statuses: number[] = [];
    for (let net = 0; net < 4; net++)
      for (let i = 0; i < 2; i++) statuses.push((await signIn(email, "Wrong-Password-1", { ip: ip4(), env })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    const blocked = await signIn(email, password, { ip: ip4(), env });
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get("Retry-After"))).toBeGreaterThan(86_000);
    clock.advance(86_400_000 + 1000);
    expect((await signIn(email, password, { ip: ip4(), env })).status).toBe(200);
  });

  it("never keeps the owner from a reset: after any number of failed sign-ins the reset is sent, and completing it restores sign-in", async () => {
    const email = uniqueEmail("owner");
    await createUser(email, strongPassword());
    const env = { RATE_LIMITS: JSON.stringify({ signInPerAccount: "2/15m", signInPerAccountTotal: "4/1d" }) };
    const ip = ip4();
    await Promise.all(Array.from({ length: 20 }, () => signIn(email, "Wrong-Password-1", { ip, env })));
    for (let i = 0; i < 4; i++) await signIn(email, "Wrong-Password-1", { ip: ip4(), env });
    const owner = ip4();
    // From the attacker's own network as well as the owner's.
    expect((await api("/v1/password-resets", { json: { email }, ip, env })).status).toBe(202);
    const { token } = await requestReset(email);
    expect((await mailTo(email)).length).toBe(2);
    const newPassword = strongPassword();
    expect((await signIn(email, newPassword, { ip: owner, env })).status).toBe(429);
    const done = await api("/v1/password-resets/complete", { json: { token, newPassword }, ip: owner, env });
    expect(done.status).toBe(200);
    // The failures counted against the old password are gone with it.
    expect((await signIn(email, newPassword, { ip: owner, env })).status).toBe(200);
  });
});

describe("POST /v1/sessions when D1 fails", () => {
  it("fails closed: 500 DATABASE_FAILURE and no password is checked", async () => {
    const email = uniqueEmail("d1down");
    const password = strongPassword();
    await createUser(email, password);
    const broken = new Proxy(env.DB, {
      get: (t, k) =>
        k === "batch"
          ? () => Promise.reject(new Error("D1_ERROR: network connection lost"))
          : (Reflect.get(t, k, t) as (...a: unknown[]) => unknown).bind(t),
    });
    depsOverrides.db = getDb(broken);
    let res: Response | undefined;
    const derived = await pbkdf2During(async () => {
      res = await signIn(email, password, { ip: ip4() });
    });
    expect(res!.status).toBe(500);
    expect(await codeOf(res!)).toBe("DATABASE_FAILURE");
    expect(derived).toBe(0);
  });
});
