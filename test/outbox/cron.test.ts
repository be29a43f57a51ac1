import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { PURGE_LIMIT } from "../../src/flows/run-maintenance";
import { backoffMs } from "../../src/outbox/backoff";
import { OUTBOX_BATCH } from "../../src/outbox/deliver";
import {
  adminHeaders,
  api,
  captureFetch,
  clock,
  createUser,
  envWith,
  newClient,
  newTenant,
  newUser,
  requestReset,
  rows,
  runCron,
  strongPassword,
  uniqueEmail,
} from "../helpers";

const DAY = 86_400_000;
const RESEND = { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" };
const PRIMARY = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key", MAIL_API_BASE_URL: "https://primary.fake.test" };
const WITH_FALLBACK = {
  ...PRIMARY,
  MAIL_FALLBACK_PROVIDER: "postmark",
  MAIL_FALLBACK_API_KEY: "pm_key",
  MAIL_FALLBACK_API_BASE_URL: "https://fallback.fake.test",
};

interface Row {
  id: string;
  status: string;
  attempts: number;
  provider: string | null;
  payload: string | null;
  next_attempt_at: number;
  created_at: number;
}

const rowsOf = (ids: string[]) =>
  rows<Row>(`SELECT * FROM outbox WHERE id IN (${ids.map(() => "?").join(",")})`, ...ids);
const outboxOfUser = (userId: string) =>
  rows<Row>("SELECT * FROM outbox WHERE user_id = ? ORDER BY created_at", userId);

/** Moves the test clock just past an instant (a row's next attempt). */
const advancePast = (at: number) => clock.advance(Math.max(0, at - clock.now()) + 1);
/** Moves the test clock to an instant. */
const advanceTo = (at: number) => clock.advance(at - clock.now());

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
      if (k === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          calls++;
          return t.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { db: proxied, calls: () => calls };
}

afterEach(() => vi.restoreAllMocks());

describe("the scheduled handler (cron)", () => {
  it("attempts at most OUTBOX_BATCH rows per run, within the Free plan's subrequest limits (calls counted)", async () => {
    const res = await api("/v1/users/import", {
      json: { users: Array.from({ length: OUTBOX_BATCH + 5 }, () => ({ email: uniqueEmail("bulk") })) },
      headers: adminHeaders,
    });
    const users = ((await res.json()) as { imported: { id: string; email: string }[] }).imported;
    expect(users).toHaveLength(OUTBOX_BATCH + 5);
    // Every request's own attempt fails: OUTBOX_BATCH + 5 rows wait for the cron.
    captureFetch(() => new Response("down", { status: 503 }));
    for (const u of users)
      await api("/v1/password-resets", { json: { email: u.email }, env: PRIMARY, ip: "198.51.100.30" });
    const ids = (await Promise.all(users.map((u) => outboxOfUser(u.id)))).map((r) => r[0]!.id);
    expect((await rowsOf(ids)).map((r) => r.status)).toEqual(ids.map(() => "queued"));
    // Nothing else in this file's database waits for the cron: the batch is made of these rows.
    const waiting = await rows<{ id: string }>("SELECT id FROM outbox WHERE status IN ('queued', 'sending')");
    expect(waiting.map((r) => r.id).sort()).toEqual([...ids].sort());

    clock.advance(backoffMs(1, undefined, () => 1) + 1); // every first backoff has passed
    const calls = captureFetch(() => Response.json({ id: "re_ok" }));
    const counted = countingD1(env.DB);
    await runCron({ ...envWith(PRIMARY), DB: counted.db });
    expect(calls).toHaveLength(OUTBOX_BATCH);
    expect(calls.length).toBeLessThanOrEqual(50);
    // 1 SELECT of due ids + 2 per row (claim, outcome batch) + 6 purges (+ the hourly floor check), as
    // documented in src/outbox/deliver.ts, + 1 SELECT of force-reset jobs (none: src/flows/force-reset.ts).
    const hourly = Math.floor(clock.now() / 60_000) % 60 === 0 ? 1 : 0;
    expect(counted.calls()).toBe(1 + 2 * OUTBOX_BATCH + 6 + 1 + hourly);
    expect((await rowsOf(ids)).filter((r) => r.status === "sent")).toHaveLength(OUTBOX_BATCH);
    await runCron(envWith(PRIMARY));
    expect((await rowsOf(ids)).filter((r) => r.status === "sent")).toHaveLength(OUTBOX_BATCH + 5);
    expect(calls).toHaveLength(OUTBOX_BATCH + 5);
  });

  it("switches a message to the fallback provider after MAIL_FALLBACK_AFTER retryable failures, recording who sent it", async () => {
    const email = uniqueEmail("fallback");
    const user = await createUser(email, strongPassword());
    const calls = captureFetch((req) =>
      new URL(req.url).host === "primary.fake.test"
        ? new Response("down", { status: 503 })
        : Response.json({ MessageID: "pm-1", ErrorCode: 0, Message: "OK" }),
    );
    await api("/v1/password-resets", { json: { email }, env: WITH_FALLBACK });
    const row = async () =>
      (
        await rows<Row & { last_error: string; provider_message_id: string }>(
          "SELECT * FROM outbox WHERE user_id = ?",
          user.id,
        )
      )[0]!;
    for (let i = 1; i < 3; i++) {
      expect(await row()).toMatchObject({ status: "queued", provider: "resend", attempts: i });
      advancePast((await row()).next_attempt_at);
      await runCron(envWith(WITH_FALLBACK));
    }
    // Third failure on the primary: switched, and due at once (no clock move before the next run).
    expect(await row()).toMatchObject({ status: "queued", provider: "postmark", attempts: 3 });
    await runCron(envWith(WITH_FALLBACK));
    expect(await row()).toMatchObject({
      status: "sent",
      provider: "postmark",
      attempts: 4,
      provider_message_id: "pm-1",
      payload: null,
    });
    const hosts = calls.map((r) => new URL(r.url).host);
    expect(hosts).toEqual(["primary.fake.test", "primary.fake.test", "primary.fake.test", "fallback.fake.test"]);
    const { id } = await row();
    expect(new Set(calls.slice(0, 3).map((r) => r.headers.get("Idempotency-Key")))).toEqual(new Set([id]));
    expect(calls[3]!.headers.get("X-Postmark-Server-Token")).toBe("pm_key");
    const switched = await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE type = 'email.provider_switched' AND data LIKE ?",
      `%${id}%`,
    );
    expect(switched).toHaveLength(1);
    expect(JSON.parse(switched[0]!.data)).toMatchObject({ from: "resend", to: "postmark", attempts: 3 });
  });
});

describe("maintenance (src/flows/run-maintenance.ts)", () => {
  it("purges resets, sessions and one-time tokens a day after they expired, delivered rows after 7 days", async () => {
    const t0 = clock.now();
    const email = uniqueEmail("purge");
    const password = strongPassword();
    const user = await createUser(email, password);
    // A session (1 h), a reset (30 min) with its email, then a one-time login token (5 min) and the
    // "password changed" email from completing it: every row comes from its API, stamped by the clock.
    expect((await api("/v1/sessions", { json: { email, password } })).status).toBe(200);
    const { token } = await requestReset(email);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
    const stored = async () => ({
      resets: (await rows("SELECT id FROM reset_requests WHERE user_id = ?", user.id)).length,
      sessions: (await rows("SELECT id FROM sessions WHERE user_id = ?", user.id)).length,
      tokens: (await rows("SELECT id FROM one_time_tokens WHERE user_id = ? AND kind = 'login'", user.id)).length,
      // The "that wasn't me" token of the changed email (7 days).
      notMe: (await rows("SELECT id FROM one_time_tokens WHERE user_id = ? AND kind = 'not_me'", user.id)).length,
      outbox: (await outboxOfUser(user.id)).map((r) => r.status),
    });
    expect(await stored()).toEqual({ resets: 1, sessions: 1, tokens: 1, notMe: 1, outbox: ["sent", "sent"] });

    // A minute short of a day after the reset expired: kept (a late click still hears "expired").
    advanceTo(t0 + 30 * 60_000 + DAY - 60_000);
    await runCron();
    expect((await stored()).resets).toBe(1);

    // A minute short of 7 days: expired rows are gone, delivered emails are kept.
    advanceTo(t0 + 7 * DAY - 60_000);
    await runCron();
    expect(await stored()).toEqual({ resets: 0, sessions: 0, tokens: 0, notMe: 1, outbox: ["sent", "sent"] });

    advanceTo(t0 + 7 * DAY + 60_000);
    await runCron();
    expect((await stored()).outbox).toEqual([]);

    // A day after the "that wasn't me" link expired, its token goes too.
    advanceTo(t0 + 8 * DAY + 60_000);
    await runCron();
    expect((await stored()).notMe).toBe(0);
  });

  it("purges budgets (sign-in failures, wrong codes, emails per address) once their window has ended", async () => {
    const email = uniqueEmail("purge-budget");
    await createUser(email, strongPassword());
    expect((await api("/v1/sessions", { json: { email, password: "Wrong-Password-1" } })).status).toBe(401);
    expect((await api("/v1/password-resets/verify", { json: { email, code: "123456" } })).status).toBe(400);
    const ended = async () =>
      (await rows<{ n: number }>("SELECT COUNT(*) AS n FROM budgets WHERE window_ends_at < ?", clock.now()))[0]!.n;
    const live = async () =>
      (await rows<{ n: number }>("SELECT COUNT(*) AS n FROM budgets WHERE window_ends_at >= ?", clock.now()))[0]!.n;
    expect(await live()).toBeGreaterThanOrEqual(3);
    clock.advance(DAY + 60_000);
    expect(await ended()).toBeGreaterThanOrEqual(3);
    await runCron();
    expect(await ended()).toBe(0);
  });

  it("keeps failed/dead rows and audit events for AUDIT_RETENTION_DAYS, each purge bounded per run", async () => {
    const t0 = clock.now();
    const tenant = await newTenant("Retention");
    // Links that live 24 h, so a row survives the hour of backoffs it takes to die.
    const { clientId } = await newClient(tenant.headers, { linkTtlSeconds: 86_400 });
    const reset = (email: string, ip = "203.0.113.40") =>
      api("/v1/password-resets", { json: { email, clientId }, env: RESEND, ip });

    // PURGE_LIMIT + 10 audit events of this tenant, in one request: an import audits each user.
    const imported = Array.from({ length: PURGE_LIMIT + 10 }, () => ({ email: uniqueEmail("imported") }));
    const res = await api("/v1/users/import", { json: { users: imported }, headers: tenant.headers });
    expect(((await res.json()) as { imported: unknown[] }).imported).toHaveLength(PURGE_LIMIT + 10);

    // A dead row (created at t0): MAX_ATTEMPTS failures.
    const dead = await newUser(tenant.headers);
    captureFetch(() => new Response("down", { status: 502 }));
    await reset(dead.email);
    for (let i = 0; i < 10 && (await outboxOfUser(dead.id))[0]!.status === "queued"; i++) {
      advancePast((await outboxOfUser(dead.id))[0]!.next_attempt_at);
      await runCron(envWith(RESEND));
    }
    expect((await outboxOfUser(dead.id))[0]!.status).toBe("dead");

    // A failed row, two days later.
    advanceTo(t0 + 2 * DAY);
    const failed = await newUser(tenant.headers);
    captureFetch(() => Response.json({ message: "invalid to" }, { status: 422 }));
    await reset(failed.email);
    expect((await outboxOfUser(failed.id))[0]!.status).toBe("failed");

    // 401 days after t0: the dead row is past the default 400 days, the failed one (399 days) is not.
    advanceTo(t0 + 401 * DAY);
    captureFetch(() => Response.json({ id: "re_ok" }));
    await reset(uniqueEmail("recent")); // one event within retention
    const cutoff = clock.now() - 400 * DAY;
    const oldEvents = async () => (await rows("SELECT id FROM audit_events WHERE created_at < ?", cutoff)).length;
    const tenantEvents = () =>
      rows<{ created_at: number }>("SELECT created_at FROM audit_events WHERE tenant_id = ?", tenant.tenantId);
    expect((await tenantEvents()).filter((e) => e.created_at < cutoff).length).toBeGreaterThan(PURGE_LIMIT);

    // Bounded: each run deletes at most PURGE_LIMIT old events; later runs take the rest.
    const before = await oldEvents();
    await runCron();
    expect(await oldEvents()).toBe(before - PURGE_LIMIT);
    expect((await outboxOfUser(dead.id)).length).toBe(0);
    expect((await outboxOfUser(failed.id)).map((r) => r.status)).toEqual(["failed"]);
    for (let run = 0; run < 10; run++) {
      const left = await oldEvents();
      if (left === 0) break;
      await runCron();
      expect(await oldEvents()).toBe(Math.max(0, left - PURGE_LIMIT));
    }
    expect(await oldEvents()).toBe(0);
    const kept = await tenantEvents();
    expect(kept.length).toBeGreaterThan(0); // the failed row's events and the recent one
    expect(kept.every((e) => e.created_at >= cutoff)).toBe(true);
  });
});
