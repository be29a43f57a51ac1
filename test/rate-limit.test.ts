import { afterEach, describe, expect, it, vi } from "vitest";
import { kvRateLimiter, RATE_LIMIT_BUCKETS, type RateLimitRule } from "../src/rate-limit";
import { api, type CallOptions, codeOf, createUser, mailTo, rows, strongPassword, uniqueEmail } from "./helpers";
import { failingKv, productionKv } from "./helpers/kv";

// src/rate-limit.ts: the KV limiter (exact within an isolate, at most one KV write per key per
// second, written after the response) and how it keys networks. Exercised through the request
// endpoint, whose buckets are resetPerIp (network) and resetPerEmail (address).

afterEach(() => vi.restoreAllMocks());

const reset = (email: string, opts: CallOptions = {}) => api("/v1/password-resets", { json: { email }, ...opts });

/** A fresh documentation address per test, so tests never share a counter. */
const freshIp = () => `198.18.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;
/** A fresh /48 of the documentation range 2001:db8::/32. */
const fresh48 = () => `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}`;

const statuses = (responses: Response[]) => responses.map((r) => r.status).sort();

describe("the limiter within one isolate", () => {
  it("counts parallel hits one by one: of 20 simultaneous requests for one address exactly the limit get through", async () => {
    const email = uniqueEmail("burst");
    const env = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "5/15m", resetPerIp: "1000/15m" }) };
    const responses = await Promise.all(Array.from({ length: 20 }, () => reset(email, { env, ip: freshIp() })));
    expect(statuses(responses)).toEqual([...Array(5).fill(202), ...Array(15).fill(429)]);
    for (const r of responses.filter((x) => x.status === 429)) {
      expect(await codeOf(r)).toBe("RATE_LIMITED");
      expect(Number(r.headers.get("Retry-After"))).toBeGreaterThan(0);
    }
  });

  it("does the same for a network: 40 simultaneous requests from one address, limit 30", async () => {
    const ip = freshIp();
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "30/15m" }) };
    const responses = await Promise.all(Array.from({ length: 40 }, () => reset(uniqueEmail("net"), { env, ip })));
    expect(statuses(responses)).toEqual([...Array(30).fill(202), ...Array(10).fill(429)]);
  });
});

describe("KV writes (production allows one write per key per second)", () => {
  it("coalesces a burst into at most one write per key per second, and no caller sees a KV error", async () => {
    const fake = productionKv();
    const bindings = { RATE_LIMIT_KV: fake.kv };
    const ip = freshIp();
    const email = uniqueEmail("coalesce");
    const env = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "10/15m", resetPerIp: "1000/15m" }) };
    const responses = await Promise.all(Array.from({ length: 30 }, () => reset(email, { env, ip, bindings })));
    expect(statuses(responses)).toEqual([...Array(10).fill(202), ...Array(20).fill(429)]);
    expect(fake.log.rejected()).toBe(0);
    const writes = fake.log.writes("rl:");
    expect(writes.length).toBeGreaterThan(0);
    // 30 requests, 2 keys: far fewer writes than hits, and never two to one key within a second.
    expect(writes.length).toBeLessThan(10);
    const last = new Map<string, number>();
    for (const w of writes) {
      const prev = last.get(w.key);
      if (prev !== undefined) expect(w.at - prev).toBeGreaterThanOrEqual(1000);
      last.set(w.key, w.at);
    }
  });

  it("keeps answering when KV refuses a write (another isolate wrote the key within the second), and catches up later", async () => {
    const fake = productionKv();
    // Two isolates of the Worker (their own in-memory counters) over the same KV namespace.
    const a = { RATE_LIMIT_KV: fake.kv };
    const b = { RATE_LIMIT_KV: fake.isolate() };
    const ip = freshIp();
    // The network's counter is shared from its third hit on.
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "10/15m" }) };
    // Isolate a's third hit writes the counter (3); isolate b reads it, and its own write follows within the second.
    for (let i = 0; i < 3; i++) expect((await reset(uniqueEmail("iso"), { env, ip, bindings: a })).status).toBe(202);
    expect(fake.log.writes("rl:resetPerIp:").map((w) => Number(w.value))).toEqual([3]);
    expect((await reset(uniqueEmail("iso"), { env, ip, bindings: b })).status).toBe(202);
    expect(fake.log.rejected()).toBeGreaterThan(0); // the path under test was taken
    const ipKeyWrites = () => fake.log.writes("rl:resetPerIp:").map((w) => Number(w.value));
    const before = ipKeyWrites();
    // A second later the refused count is written with the next hit: nothing was lost.
    await new Promise((r) => setTimeout(r, 1100));
    expect((await reset(uniqueEmail("iso"), { env, ip, bindings: b })).status).toBe(202);
    const after = ipKeyWrites();
    expect(after.length).toBeGreaterThan(before.length);
    expect(Math.max(...after)).toBe(5);
  });

  it("a second isolate sees a key another one shared: together they admit the limit, not twice it", async () => {
    const fake = productionKv();
    const ip = freshIp();
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "10/15m" }) };
    const from = (kv: KVNamespace) => reset(uniqueEmail("two"), { env, ip, bindings: { RATE_LIMIT_KV: kv } });
    // Isolate a admits 3 (its third hit shares the counter); isolate b, started later, admits the other 7.
    for (let i = 0; i < 3; i++) expect((await from(fake.kv)).status).toBe(202);
    const b = fake.isolate();
    const seen: number[] = [];
    for (let i = 0; i < 8; i++) seen.push((await from(b)).status);
    expect(seen).toEqual([...Array(7).fill(202), 429]);
  });

  it("a request never waits on a KV read another request started (workerd cancels that with the other request)", async () => {
    const email = uniqueEmail("ownread");
    const backing = productionKv().kv;
    let gets = 0;
    // The first read of the run never answers (its request is stuck); every later one does.
    const kv = new Proxy(backing, {
      get: (t, k) =>
        k === "get"
          ? (...a: unknown[]) => (++gets === 1 ? new Promise(() => {}) : (t.get as (...x: unknown[]) => unknown)(...a))
          : Reflect.get(t, k, t),
    });
    const env = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "5/15m", resetPerIp: "1000/15m" }) };
    const ip = freshIp();
    void reset(email, { env, ip, bindings: { RATE_LIMIT_KV: kv }, background: "leave" });
    const second = await Promise.race([
      reset(email, { env, ip, bindings: { RATE_LIMIT_KV: kv } }),
      new Promise<null>((r) => setTimeout(() => r(null), 3000)),
    ]);
    expect(second?.status).toBe(202);
  });

  it("writes nothing for a key's first two hits (an address asked for once or twice costs no KV write)", async () => {
    const fake = productionKv();
    const bindings = { RATE_LIMIT_KV: fake.kv };
    const email = uniqueEmail("quiet");
    const env = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "10/15m", resetPerIp: "1000/15m" }) };
    for (let i = 0; i < 2; i++) expect((await reset(email, { env, ip: freshIp(), bindings })).status).toBe(202);
    expect(fake.log.puts).toEqual([]);
    // The third hit shares the count: from now on other isolates see it, whatever the limit.
    expect((await reset(email, { env, ip: freshIp(), bindings })).status).toBe(202);
    expect(fake.log.writes("rl:resetPerEmail:").map((w) => Number(w.value))).toEqual([3]);
  });

  it("rewrites a shared key only when its unwritten hits reach an eighth of the room its limit leaves", async () => {
    const fake = productionKv();
    const bindings = { RATE_LIMIT_KV: fake.kv };
    const ip = freshIp();
    const ipWrites = () => fake.log.writes("rl:resetPerIp:").map((w) => Number(w.value));
    // Limit 40: shared at the third hit (3), then again once 37 / 8 = 4 more hits are unwritten.
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "40/15m" }) };
    const hit = async () => expect((await reset(uniqueEmail("room"), { env, ip, bindings })).status).toBe(202);
    for (let i = 0; i < 3; i++) await hit();
    expect(ipWrites()).toEqual([3]);
    await new Promise((r) => setTimeout(r, 1100));
    // Three more a second later: held (3 < 4), although the once-a-second slot is free.
    for (let i = 0; i < 3; i++) await hit();
    expect(ipWrites()).toEqual([3]);
    // The fourth reaches it: all seven are shared in one write.
    await hit();
    expect(ipWrites()).toEqual([3, 7]);
  });

  it("never makes the response wait for a KV write", async () => {
    const email = uniqueEmail("nowait");
    await createUser(email, strongPassword());
    // Writes that never finish: a response that waited for one would never come.
    let puts = 0;
    const stuck = new Proxy(productionKv().kv, {
      get: (t, k) =>
        k === "put"
          ? () => {
              puts++;
              return new Promise(() => {});
            }
          : Reflect.get(t, k, t),
    });
    // Limit 1: the first hit is shared at once, so a write starts.
    const env = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "1/15m" }) };
    const res = await Promise.race([
      reset(email, { env, ip: freshIp(), bindings: { RATE_LIMIT_KV: stuck }, background: "leave" }),
      new Promise<null>((r) => setTimeout(() => r(null), 3000)),
    ]);
    expect(res?.status).toBe(202);
    await new Promise((r) => setTimeout(r, 50));
    expect(puts).toBeGreaterThan(0);
  });
});

describe("an isolate's memory of keys", () => {
  it("forgets the least recently used keys first: a key in use keeps its exact count under a flood of fresh keys", async () => {
    const rules = Object.fromEntries(RATE_LIMIT_BUCKETS.map((b) => [b, { limit: 5, windowSeconds: 900 }])) as Record<
      (typeof RATE_LIMIT_BUCKETS)[number],
      RateLimitRule
    >;
    // Writes never run (deferred work dropped): a forgotten key would start again from nothing.
    const limiter = kvRateLimiter(productionKv().kv, rules, Date.now, { defer: () => {}, maxEntries: 3 });
    const decisions: boolean[] = [];
    for (let i = 0; i < 12; i++) {
      decisions.push((await limiter.hit("resetPerEmail", "target")).ok);
      await limiter.hit("resetPerEmail", `fresh-${i}`);
    }
    expect(decisions.filter(Boolean)).toHaveLength(5);
  });
});

describe("when KV is down (fail open to the isolate's exact count)", () => {
  it("still answers, and each isolate still enforces the limits exactly", async () => {
    const down = failingKv();
    const bindings = { RATE_LIMIT_KV: down.kv };
    const email = uniqueEmail("kvdown");
    await createUser(email, strongPassword());
    const env = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "3/15m", resetPerIp: "1000/15m" }) };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => reset(email, { env, bindings, ip: freshIp() })),
    );
    expect(statuses(responses)).toEqual([202, 202, 202, 429, 429]);
    expect(down.calls()).toBeGreaterThan(0);
    // The three accepted requests came at once: one group, so one reset and one email
    // (src/flows/request-password-reset.ts, coalesce) whose audit event counts the three.
    expect((await mailTo(email)).length).toBe(1);
    const [event] = await rows<{ data: string }>(
      `SELECT a.data FROM audit_events a JOIN users u ON u.id = a.user_id
       WHERE a.type = 'password_reset.requested' AND u.email = ?`,
      email,
    );
    expect(JSON.parse(event!.data)).toMatchObject({ requests: 3 });
    // Sign-in (signInPerIp) and the health check keep working too; the health check says KV is down.
    const password = strongPassword();
    const user = uniqueEmail("kvdown-signin");
    await createUser(user, password);
    expect((await api("/v1/sessions", { json: { email: user, password }, bindings })).status).toBe(200);
    const health = await api("/healthz", { bindings });
    expect(health.status).toBe(503);
    // Seed 002's cooldown too: the isolate keeps it, so a second request within the minute is refused.
    const sg = uniqueEmail("kvdown-sg");
    const request = () => api("/api/auth/password/reset-request", { json: { email: sg }, bindings, ip: freshIp() });
    expect((await request()).status).toBe(200);
    expect((await request()).status).toBe(429);
    const left = await api(`/api/auth/password/reset/cooldown?email=${encodeURIComponent(sg)}`, { bindings });
    expect(((await left.json()) as { remaining: number }).remaining).toBeGreaterThan(0);
  });
});

describe("networks, not addresses", () => {
  it("keys IPv6 by /64: 32 addresses of one /64 share resetPerIp", async () => {
    const net = `${fresh48()}:42`;
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "30/15m" }) };
    const out: number[] = [];
    for (let i = 1; i <= 32; i++)
      out.push((await reset(uniqueEmail("v6"), { env, ip: `${net}::${i.toString(16)}` })).status);
    expect(out.filter((s) => s === 202)).toHaveLength(30);
    expect(out.slice(30)).toEqual([429, 429]);
  });

  it("treats every spelling of one /64 as the same network", async () => {
    const p = fresh48();
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "2/15m" }) };
    const [x, y, z] = p.split(":");
    const spellings = [`${p}:7::1`, `${x}:${y}:${z!.padStart(4, "0")}:0007:0:0:0:ffff`.toUpperCase()];
    for (const ip of spellings) expect((await reset(uniqueEmail("spell"), { env, ip })).status).toBe(202);
    expect((await reset(uniqueEmail("spell"), { env, ip: `${p}:7:abcd::9` })).status).toBe(429);
  });

  it("adds a /48 bucket at 10 times the limit: 31 different /64s of one /48", async () => {
    const p = fresh48();
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "3/15m" }) };
    const out: number[] = [];
    for (let i = 1; i <= 31; i++)
      out.push((await reset(uniqueEmail("v48"), { env, ip: `${p}:${i.toString(16)}::1` })).status);
    expect(out.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(out[30]).toBe(429);
    // Another /48 is another network.
    expect((await reset(uniqueEmail("v48"), { env, ip: `${fresh48()}:1::1` })).status).toBe(202);
  });

  it("counts a /64's refused hits not against its /48: one network cannot lock out its site", async () => {
    const p = fresh48();
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "3/15m" }) };
    const hammer = await Promise.all(
      Array.from({ length: 40 }, () => reset(uniqueEmail("v48h"), { env, ip: `${p}:1::1` })),
    );
    expect(hammer.filter((r) => r.status === 202)).toHaveLength(3);
    // 40 hits, 3 admitted: the /48 (limit 30) counted 3, so 9 other /64s still get their 3 each.
    const rest: number[] = [];
    for (let i = 2; i <= 10; i++)
      for (let j = 0; j < 3; j++)
        rest.push((await reset(uniqueEmail("v48h"), { env, ip: `${p}:${i.toString(16)}::1` })).status);
    expect(rest.filter((s) => s === 202)).toHaveLength(27);
    // And then the site is full.
    expect((await reset(uniqueEmail("v48h"), { env, ip: `${p}:b::1` })).status).toBe(429);
  });

  it("keys IPv4 by address, IPv4-mapped IPv6 included", async () => {
    const ip = freshIp();
    const env = { RATE_LIMITS: JSON.stringify({ resetPerIp: "2/15m" }) };
    expect((await reset(uniqueEmail("v4"), { env, ip })).status).toBe(202);
    expect((await reset(uniqueEmail("v4"), { env, ip: `::ffff:${ip}` })).status).toBe(202);
    expect((await reset(uniqueEmail("v4"), { env, ip })).status).toBe(429);
    const [a, b, c, d] = ip.split(".").map(Number);
    expect((await reset(uniqueEmail("v4"), { env, ip: `${a}.${b}.${c}.${(d! % 250) + 1}` })).status).toBe(202);
  });
});
