import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getConfig, type Env } from "../src/config";
import { seal } from "../src/crypto/envelope";
import { newId } from "../src/crypto/tokens";
import { OUTBOX_BATCH } from "../src/outbox/deliver";
import type { OutgoingEmail } from "../src/mail/mailer";
import { api, captureFetch, createUser, envWith, makeDue, rows, runCron, strongPassword, uniqueEmail } from "./helpers";

const PRIMARY = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key", MAIL_API_BASE_URL: "https://primary.fake.test" };
const WITH_FALLBACK = { ...PRIMARY, MAIL_FALLBACK_PROVIDER: "postmark", MAIL_FALLBACK_API_KEY: "pm_key", MAIL_FALLBACK_API_BASE_URL: "https://fallback.fake.test" };

interface Row {
  id: string;
  status: string;
  attempts: number;
  provider: string | null;
  payload: string | null;
}

/** Queues `n` sealed messages straight into the outbox, due since `dueSince` ms ago (oldest first). */
async function queueMessages(n: number, vars: Partial<Record<keyof Env, string>>, dueSince = 60_000): Promise<string[]> {
  const { keys } = await getConfig(envWith(vars));
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = newId("msg_");
    const msg: OutgoingEmail = { to: `bulk${i}@example.com`, from: "resetkit <no-reply@example.com>", subject: "Reset", html: "<p>x</p>", text: "x" };
    const at = Date.now() - dueSince + i;
    await env.DB.prepare(
      "INSERT INTO outbox (id, tenant_id, client_id, user_id, template, status, payload, attempts, next_attempt_at, created_at) VALUES (?, 'default', 'default', NULL, 'reset', 'queued', ?, 0, ?, ?)",
    ).bind(id, await seal(keys.outbox, msg, id), at, Date.now()).run();
    ids.push(id);
  }
  return ids;
}

const rowsOf = (ids: string[]) => rows<Row>(`SELECT * FROM outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);

/** Counts every D1 call (statement executions and batches) made through this binding. */
function countingD1(db: D1Database): { db: D1Database; calls: () => number } {
  let calls = 0;
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (s: D1PreparedStatement): D1PreparedStatement => {
    const p = new Proxy(s, {
      get(t, k) {
        const v = Reflect.get(t, k, t) as unknown;
        if (k === "bind") return (...a: unknown[]) => wrap(t.bind(...a));
        if (typeof v !== "function") return v;
        return (...a: unknown[]) => {
          if (k === "all" || k === "run" || k === "first" || k === "raw") calls++;
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    });
    real.set(p, s);
    return p;
  };
  const proxied = new Proxy(db, {
    get(t, k) {
      if (k === "prepare") return (sql: string) => wrap(t.prepare(sql));
      if (k === "batch") return (stmts: D1PreparedStatement[]) => (calls++, t.batch(stmts.map((s) => real.get(s) ?? s)));
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { db: proxied, calls: () => calls };
}

afterEach(() => vi.restoreAllMocks());

describe("outbox under the cron", () => {
  it("against a provider that fails intermittently, a series of cron runs sends every message exactly once", async () => {
    const ids = await queueMessages(12, PRIMARY);
    // A fake Resend: idempotent on the key for real, failing in every way a provider can.
    const delivered = new Map<string, number>();
    let n = 0;
    const faults = ["ok", "500", "timeout-before", "ok", "429", "accepted-then-timeout", "ok", "503", "ok", "network", "accepted-then-timeout", "ok"];
    captureFetch(async (req) => {
      const key = req.headers.get("Idempotency-Key")!;
      const fault = faults[n++ % faults.length]!;
      if (fault === "500" || fault === "503") return new Response("down", { status: Number(fault) });
      if (fault === "429") return Response.json({ message: "slow down" }, { status: 429, headers: { "Retry-After": "30" } });
      if (fault === "timeout-before") throw new DOMException("timed out", "TimeoutError");
      if (fault === "network") throw new TypeError("connection reset");
      if (!delivered.has(key)) delivered.set(key, delivered.size);
      if (fault === "accepted-then-timeout") throw new DOMException("timed out", "TimeoutError");
      return Response.json({ id: `re_${delivered.get(key)}` });
    });
    for (let run = 0; run < 10 && (await rowsOf(ids)).some((r) => r.status !== "sent"); run++) {
      await makeDue();
      await runCron(envWith(PRIMARY));
    }
    const final = await rowsOf(ids);
    expect(final.map((r) => r.status)).toEqual(ids.map(() => "sent"));
    expect(final.every((r) => r.payload === null && r.provider === "resend")).toBe(true);
    expect([...delivered.keys()].sort()).toEqual([...ids].sort());
    expect(n).toBeGreaterThan(ids.length);
    // Further runs never touch them again.
    const before = n;
    await makeDue();
    await runCron(envWith(PRIMARY));
    expect(n).toBe(before);
  });

  it("switches a message to the fallback provider after MAIL_FALLBACK_AFTER retryable failures, recording who sent it", async () => {
    const email = uniqueEmail("fallback");
    const user = await createUser(email, strongPassword());
    const calls = captureFetch((req) =>
      new URL(req.url).host === "primary.fake.test" ? new Response("down", { status: 503 }) : Response.json({ MessageID: "pm-1", ErrorCode: 0, Message: "OK" }),
    );
    await api("/v1/password-resets", { json: { email }, env: WITH_FALLBACK });
    const row = async () => (await rows<Row & { last_error: string; provider_message_id: string }>("SELECT * FROM outbox WHERE user_id = ?", user.id))[0]!;
    for (let i = 1; i < 3; i++) {
      expect(await row()).toMatchObject({ status: "queued", provider: "resend", attempts: i });
      await makeDue((await row()).id);
      await runCron(envWith(WITH_FALLBACK));
    }
    // Third failure on the primary: switched, and due at once.
    expect(await row()).toMatchObject({ status: "queued", provider: "postmark", attempts: 3 });
    await runCron(envWith(WITH_FALLBACK));
    expect(await row()).toMatchObject({ status: "sent", provider: "postmark", attempts: 4, provider_message_id: "pm-1", payload: null });
    const hosts = calls.map((r) => new URL(r.url).host);
    expect(hosts).toEqual(["primary.fake.test", "primary.fake.test", "primary.fake.test", "fallback.fake.test"]);
    expect(new Set(calls.slice(0, 3).map((r) => r.headers.get("Idempotency-Key")))).toEqual(new Set([(await row()).id]));
    expect(calls[3]!.headers.get("X-Postmark-Server-Token")).toBe("pm_key");
    const switched = await rows<{ data: string }>("SELECT data FROM audit_events WHERE type = 'email.provider_switched' AND data LIKE ?", `%${(await row()).id}%`);
    expect(switched).toHaveLength(1);
    expect(JSON.parse(switched[0]!.data)).toMatchObject({ from: "resend", to: "postmark", attempts: 3 });
  });

  it("attempts at most OUTBOX_BATCH rows per run, within the Free plan's subrequest limits (calls counted)", async () => {
    const ids = await queueMessages(OUTBOX_BATCH + 5, PRIMARY, 10 * 86_400_000);
    const calls = captureFetch(() => Response.json({ id: "re_ok" }));
    const counted = countingD1(env.DB);
    await runCron({ ...envWith(PRIMARY), DB: counted.db });
    expect(calls).toHaveLength(OUTBOX_BATCH);
    expect(calls.length).toBeLessThanOrEqual(50);
    // 1 SELECT of due ids + 2 per row (claim, outcome batch) + 5 purges, as documented in deliver-email.ts.
    expect(counted.calls()).toBe(1 + 2 * OUTBOX_BATCH + 5);
    expect((await rowsOf(ids)).filter((r) => r.status === "sent")).toHaveLength(OUTBOX_BATCH);
    await runCron(envWith(PRIMARY));
    expect((await rowsOf(ids)).filter((r) => r.status === "sent")).toHaveLength(OUTBOX_BATCH + 5);
    expect(calls).toHaveLength(OUTBOX_BATCH + 5);
  });

  it("MAIL_PROVIDER=cloudflare is all it takes to send through the send_email binding", async () => {
    const email = uniqueEmail("cf");
    const user = await createUser(email, strongPassword());
    const fetchSpy = vi.spyOn(globalThis, "fetch");
    await api("/v1/password-resets", { json: { email }, env: { MAIL_PROVIDER: "cloudflare" } });
    const [row] = await rows<Row & { provider_message_id: string }>("SELECT * FROM outbox WHERE user_id = ?", user.id);
    expect(row).toMatchObject({ status: "sent", provider: "cloudflare", payload: null });
    expect(row!.provider_message_id).toBeTruthy();
    expect(fetchSpy).not.toHaveBeenCalled();
  });
});
