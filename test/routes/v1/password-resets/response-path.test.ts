import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../../../src/db/client";
import { LOOKUP_GROUP } from "../../../../src/flows/request-password-reset";
import { TALLY_MS } from "../../../../src/flows/tally-requests";
import {
  adminHeaders,
  api,
  clock,
  createUser,
  depsOverrides,
  envWith,
  newClient,
  REQUEST_BASE,
  rows,
  strongPassword,
  uniqueEmail,
  worker,
} from "../../../helpers";
import { failingWhenD1, recordingD1 } from "../../../helpers/d1";

afterEach(() => vi.restoreAllMocks());

/** A KV namespace that logs every operation made through it, in order. */
function loggingKv(kv: KVNamespace = env.RATE_LIMIT_KV) {
  const ops: { op: string; key: string }[] = [];
  const proxy = new Proxy(kv, {
    get(t, k) {
      const v = Reflect.get(t, k, t) as unknown;
      if (typeof v !== "function") return v;
      return (key: string, ...rest: unknown[]) => {
        ops.push({ op: String(k), key });
        return (v as (...a: unknown[]) => unknown).call(t, key, ...rest);
      };
    },
  });
  return { kv: proxy as KVNamespace, ops };
}

// One fake KV per file: the limiter's in-isolate counters live per binding, like a real isolate's.
const kvLog = loggingKv();
const bindings = { RATE_LIMIT_KV: kvLog.kv };

/** Rows of the tables a request could write, to show that one wrote nothing. */
const counts = async () =>
  (
    await rows<Record<string, number>>(
      `SELECT (SELECT count(*) FROM audit_events) a, (SELECT count(*) FROM budgets) b,
              (SELECT count(*) FROM reset_requests) r, (SELECT count(*) FROM outbox) o`,
    )
  )[0];

/**
 * Sends one request and splits the I/O it caused at the moment the Worker's fetch handler returned
 * its response: D1 round trips and KV operations on the response path, and those after it (waitUntil).
 */
async function measure(path: string, body: unknown, ip = "198.51.100.60", vars: Record<string, string> = {}) {
  const d1 = recordingD1();
  depsOverrides.db = getDb(d1.db);
  const kvBefore = kvLog.ops.length;
  const ctx = createExecutionContext();
  const req = new Request(REQUEST_BASE + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
    body: JSON.stringify(body),
  });
  const res = await worker.fetch(req as never, envWith({ MAIL_PROVIDER: "resend", ...vars }, bindings), ctx);
  const path_ = { d1: d1.calls.length, kv: kvLog.ops.slice(kvBefore).map((o) => o.op) };
  await waitOnExecutionContext(ctx);
  const after = { d1: d1.calls.slice(path_.d1), kv: kvLog.ops.slice(kvBefore + path_.kv.length).map((o) => o.op) };
  return { res, onPath: path_, after };
}

describe("I/O of POST /v1/password-resets, on and after the response path", () => {
  it("answers with no D1 query and no KV write; an unknown address then costs one D1 round trip and writes nothing", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_1" }));
    // The first request of this isolate reads the client and the IP's counter; later ones do not.
    await measure("/v1/password-resets", { email: uniqueEmail("warm") });
    const before = await counts();
    // resetPerEmail 2: the address's first hit is already half its limit, so its counter is written.
    const limits = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "2/15m" }) };
    const { res, onPath, after } = await measure(
      "/v1/password-resets",
      { email: uniqueEmail("nobody") },
      undefined,
      limits,
    );
    expect(res.status).toBe(202);
    expect(onPath.d1).toBe(0);
    // One KV read: the new address's counter, once per isolate. No write on the response path.
    expect(onPath.kv).toEqual(["get"]);
    expect(after.d1.length).toBe(1);
    expect(after.d1[0]!.kind).toBe("batch");
    // The limiter's write went out after the response.
    expect(after.kv.filter((op) => op === "put").length).toBeGreaterThan(0);
    expect(await counts()).toEqual(before);
  });

  it("a known address: the same response path; after it, two D1 round trips and one provider call", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_2" }));
    const email = uniqueEmail("known");
    await createUser(email, strongPassword());
    await measure("/v1/password-resets", { email: uniqueEmail("warm") });
    fetchSpy.mockClear();
    const { res, onPath, after } = await measure("/v1/password-resets", { email });
    expect(res.status).toBe(202);
    expect(onPath.d1).toBe(0);
    expect(onPath.kv).toEqual(["get"]);
    // The lookup (user, email cap, client) with the reset, its email row and audit event; the outcome.
    expect(after.d1.map((c) => c.kind)).toEqual(["batch", "batch"]);
    const [lookup, outcome] = after.d1;
    expect(
      lookup!.sql.filter((q) => /^INSERT INTO (budgets|reset_requests|outbox|audit_events)\b/.test(q.trim())),
    ).toHaveLength(4);
    expect(outcome!.sql.some((q) => /^update "outbox"/i.test(q))).toBe(true);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    // Written before it was sent: the reset, its row (sent now, payload wiped) and the audit event.
    const [sent] = await rows<{ status: string; payload: string | null; template: string }>(
      `SELECT o.status, o.payload, o.template FROM outbox o JOIN users u ON u.id = o.user_id WHERE u.email = ?`,
      email,
    );
    expect(sent).toEqual({ status: "sent", payload: null, template: "reset" });
    const audited = await rows<{ type: string }>(
      `SELECT a.type FROM audit_events a JOIN users u ON u.id = a.user_id
       WHERE u.email = ? AND (a.type LIKE 'password_reset.%' OR a.type LIKE 'email.%')`,
      email,
    );
    expect(audited.map((a) => a.type).sort()).toEqual(["email.sent", "password_reset.requested"]);
  });

  it("counts unknown addresses in the isolate and writes one audit event per client per minute", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_3" }));
    const c = await newClient(adminHeaders);
    const events = () =>
      rows<{ data: string; user_id: string | null; ip_prefix: string | null }>(
        "SELECT data, user_id, ip_prefix FROM audit_events WHERE type = 'password_reset.requested' AND client_id = ?",
        c.clientId,
      );
    const ask = () => api("/v1/password-resets", { json: { email: uniqueEmail("nobody"), clientId: c.clientId } });
    for (const res of await Promise.all([ask(), ask(), ask()])) expect(res.status).toBe(202);
    expect(await events()).toEqual([]);
    clock.advance(TALLY_MS);
    expect((await ask()).status).toBe(202);
    const [e, ...more] = await events();
    expect(more).toEqual([]);
    expect(JSON.parse(e!.data)).toMatchObject({ known: false, count: 4 });
    expect(e!.user_id).toBeNull();
    expect(e!.ip_prefix).toBeNull();
    expect(e!.data).not.toContain("@");
  });

  it("a client changed in another isolate: the cached answer stands, but nothing is sent that the fresh row forbids", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_4" }));
    const redirectUri = "https://app.example.com/after-reset";
    const c = await newClient(adminHeaders, { redirectUris: [redirectUri] });
    const email = uniqueEmail("stale");
    await createUser(email, strongPassword());
    const ask = () => measure("/v1/password-resets", { email, clientId: c.clientId, redirectUri });
    expect((await ask()).res.status).toBe(202);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    // Another isolate removes the redirect URI (this isolate's cache does not know).
    await env.DB.prepare("UPDATE clients SET redirect_uris = '[]' WHERE id = ?").bind(c.clientId).run();
    fetchSpy.mockClear();
    const stale = await ask();
    expect(stale.res.status).toBe(202);
    expect(stale.onPath.d1).toBe(0);
    expect(fetchSpy).not.toHaveBeenCalled();
    // The background read refreshed the cache: the next request is refused at once.
    expect((await ask()).res.status).toBe(400);
  });
});

describe("POST /v1/password-resets: requests whose background work starts together", () => {
  it("share one lookup round trip (at most LOOKUP_GROUP requests each), and every known address still gets its email", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_5" }));
    const known = [uniqueEmail("group"), uniqueEmail("group")];
    for (const email of known) await createUser(email, strongPassword());
    await measure("/v1/password-resets", { email: uniqueEmail("warm") });
    fetchSpy.mockClear();
    const d1 = recordingD1();
    depsOverrides.db = getDb(d1.db);
    const emails = [...known, ...Array.from({ length: LOOKUP_GROUP }, () => uniqueEmail("nobody"))];
    const ctxs = emails.map(() => createExecutionContext());
    const responses = await Promise.all(
      emails.map((email, i) =>
        worker.fetch(
          new Request(`${REQUEST_BASE}/v1/password-resets`, {
            method: "POST",
            headers: { "Content-Type": "application/json", "CF-Connecting-IP": `198.51.${100 + i}.7` },
            body: JSON.stringify({ email }),
            cf: { country: i === 0 ? "NZ" : "FR" },
          } as RequestInit) as never,
          envWith({ MAIL_PROVIDER: "resend" }, bindings),
          ctxs[i]!,
        ),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(emails.map(() => 202));
    await Promise.all(ctxs.map((ctx) => waitOnExecutionContext(ctx)));
    // A lookup is seven statements whatever its size: the email-cap units, the users, the clients,
    // then the resets (older ones superseded first), their email rows and audit events.
    const lookups = d1.calls.filter((c) => c.kind === "batch" && c.sql.some((q) => q.includes("INSERT INTO budgets")));
    expect(lookups.map((c) => c.sql.length)).toEqual([7, 7]);
    // Each known address: its lookup, and its delivery's outcome; nothing else.
    expect(d1.calls.length).toBe(lookups.length + known.length);
    expect(fetchSpy).toHaveBeenCalledTimes(known.length);
    const sentTo = fetchSpy.mock.calls.map(([, init]) => (JSON.parse(String(init?.body)) as { to: string[] }).to[0]);
    expect(sentTo.sort()).toEqual([...known].sort());
    // Each reset's audit row carries its own request's network and country, whichever request ran it.
    const audited = await rows<{ email: string; ip_prefix: string; country: string }>(
      `SELECT u.email, a.ip_prefix, a.country FROM audit_events a JOIN users u ON u.id = a.user_id
       WHERE a.type = 'password_reset.requested' AND u.email IN (?, ?) ORDER BY a.ip_prefix`,
      known[0],
      known[1],
    );
    expect(audited).toEqual([
      { email: known[0], ip_prefix: "198.51.100.0/24", country: "NZ" },
      { email: known[1], ip_prefix: "198.51.101.0/24", country: "FR" },
    ]);
  });

  it("one address asked for several times in one group is one request: one reset, one email, one unit of its cap", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_6" }));
    const email = uniqueEmail("coalesced");
    const user = await createUser(email, strongPassword());
    const env = {
      MAIL_PROVIDER: "resend",
      RATE_LIMITS: JSON.stringify({ resetEmailsPerAddress: "2/1d", resetPerEmail: "100/15m" }),
    };
    await measure("/v1/password-resets", { email: uniqueEmail("warm") });
    fetchSpy.mockClear();
    const d1 = recordingD1();
    depsOverrides.db = getDb(d1.db);
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        api("/v1/password-resets", { json: { email }, env, ip: `203.0.113.${10 + i}` }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202, 202, 202]);
    const lookups = d1.calls.filter((c) => c.kind === "batch" && c.sql.some((q) => q.includes("INSERT INTO budgets")));
    expect(lookups).toHaveLength(1);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    const resets = await rows<{ n: number }>("SELECT count(*) AS n FROM reset_requests WHERE user_id = ?", user.id);
    expect(resets[0]!.n).toBe(1);
    // One unit of the cap of 2 taken: a later request still gets its email.
    const [event] = await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE type = 'password_reset.requested' AND user_id = ?",
      user.id,
    );
    expect(JSON.parse(event!.data)).toMatchObject({ known: true, requests: 5 });
    expect((await api("/v1/password-resets", { json: { email }, env, ip: "203.0.113.30" })).status).toBe(202);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    expect((await api("/v1/password-resets", { json: { email }, env, ip: "203.0.113.31" })).status).toBe(202);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
  });

  it("a group whose batch fails is tried again one request at a time: a request that cannot be written costs the others nothing", async () => {
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_7" }));
    const known = [uniqueEmail("isolated"), uniqueEmail("isolated"), uniqueEmail("isolated")];
    for (const email of known) await createUser(email, strongPassword());
    await measure("/v1/password-resets", { email: uniqueEmail("warm") });
    fetchSpy.mockClear();
    // Every batch that carries the second address fails (a poisoned request).
    const poisoned = known[1]!;
    const d1 = failingWhenD1(env.DB, (call) => call.params.some((ps) => ps.some((v) => String(v).includes(poisoned))));
    const recorded = recordingD1(d1.db);
    depsOverrides.db = getDb(recorded.db);
    const responses = await Promise.all(
      known.map((email, i) =>
        api("/v1/password-resets", { json: { email }, env: { MAIL_PROVIDER: "resend" }, ip: `203.0.113.${40 + i}` }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual([202, 202, 202]);
    // The group's lookup (failed), then each request's own: the poisoned one failed again.
    expect(recorded.calls.filter((c) => c.sql.some((q) => q.includes("INSERT INTO budgets")))).toHaveLength(4);
    expect(d1.failures()).toBe(2);
    // The poisoned one sent nothing and left no reset; the other two were mailed.
    const sentTo = fetchSpy.mock.calls.map(([, init]) => (JSON.parse(String(init?.body)) as { to: string[] }).to[0]);
    expect(sentTo.sort()).toEqual([known[0], known[2]].sort());
    const resets = await rows<{ email: string }>(
      `SELECT u.email FROM reset_requests r JOIN users u ON u.id = r.user_id WHERE u.email IN (?, ?, ?) ORDER BY u.email`,
      ...known,
    );
    expect(resets.map((r) => r.email)).toEqual([known[0], known[2]].sort());
  });
});
