import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_ATTEMPTS } from "../src/config/mail";
import { backoffMs } from "../src/outbox/backoff";
import { PURGE_LIMIT } from "../src/flows/run-maintenance";
import { api, createUser, envWith, makeDue, rows, runCron as runCronWith, strongPassword, uniqueEmail } from "./helpers";

const RESEND = { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" };

interface OutboxDbRow {
  id: string;
  status: string;
  payload: string | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
}

/** Runs the Cron Trigger handler once, with Resend at the fake base URL. */
const runCron = () => runCronWith(envWith(RESEND));

async function outboxFor(email: string): Promise<OutboxDbRow[]> {
  return rows<OutboxDbRow>("SELECT * FROM outbox WHERE user_id = (SELECT id FROM users WHERE email = ?) ORDER BY created_at", email);
}

afterEach(() => vi.restoreAllMocks());

describe("email outbox", () => {
  it("survives two provider failures and delivers exactly once, with one idempotency key", async () => {
    const email = uniqueEmail("retry");
    await createUser(email, strongPassword());
    const calls: Request[] = [];
    const answers = [
      () => new Response("upstream down", { status: 500 }),
      () => {
        throw new DOMException("timed out", "TimeoutError");
      },
      () => Response.json({ id: "re_123" }),
    ];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      calls.push(new Request(input as string, init));
      return answers[calls.length - 1]!();
    });

    expect((await api("/v1/password-resets", { json: { email }, env: RESEND })).status).toBe(202);
    let [row] = await outboxFor(email);
    expect(row!.status).toBe("queued");
    expect(row!.attempts).toBe(1);
    expect(row!.next_attempt_at).toBeGreaterThan(Date.now());
    expect(row!.payload).toBeTruthy();

    // Not due yet: the cron leaves it alone.
    await runCron();
    expect(calls).toHaveLength(1);

    await makeDue(row!.id);
    await runCron();
    [row] = await outboxFor(email);
    expect(row!.status).toBe("queued");
    expect(row!.last_error).toBe("timeout");

    await makeDue(row!.id);
    await runCron();
    [row] = await outboxFor(email);
    expect(row!.status).toBe("sent");
    expect(row!.payload).toBeNull();
    expect(calls).toHaveLength(3);

    // Further cron runs never send it again.
    await makeDue(row!.id);
    await runCron();
    expect(calls).toHaveLength(3);

    const keys = calls.map((r) => r.headers.get("Idempotency-Key"));
    expect(new Set(keys)).toEqual(new Set([row!.id]));
    const req = calls[2]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://mail.fake.test/emails");
    expect(req.headers.get("Authorization")).toBe("Bearer re_test_key_not_secret");
    const body = (await req.json()) as { to: string[]; from: string; subject: string; html: string; text: string };
    expect(body.to).toEqual([email]);
    expect(body.subject).toMatch(/reset/i);
    expect(body.text).toContain("token=");
    expect(body.html).toContain("token=");
    const sent = await rows("SELECT id FROM audit_events WHERE type = 'email.sent' AND data LIKE ?", `%${row!.id}%`);
    expect(sent).toHaveLength(1);
  });

  it("keeps payloads encrypted at rest (no address, link token or code in the row)", async () => {
    const email = uniqueEmail("sealed");
    await createUser(email, strongPassword());
    let body = "";
    vi.spyOn(globalThis, "fetch").mockImplementation(async (_input, init) => {
      body = String(init?.body);
      return new Response("nope", { status: 503 });
    });
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    const token = /token=([A-Za-z0-9_-]{43})/.exec(body)![1]!;
    const code = /\b(\d{6})\b/.exec((JSON.parse(body) as { text: string }).text.split("\n").find((l) => /code/i.test(l) && /\d{6}/.test(l))!)![1]!;
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(email);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(code);
    expect(row!.payload).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("drops (does not send) a message whose token expired, and audits it", async () => {
    const email = uniqueEmail("expired");
    await createUser(email, strongPassword());
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("busy", { status: 429, headers: { "Retry-After": "120" } }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    expect(row!.next_attempt_at).toBeGreaterThanOrEqual(Date.now() + 119_000);
    await env.DB.prepare("UPDATE outbox SET next_attempt_at = ?, expires_at = ? WHERE id = ?").bind(Date.now() - 1, Date.now() - 1, row!.id).run();
    await runCron();
    const [after] = await outboxFor(email);
    expect(after!.status).toBe("dropped");
    expect(after!.payload).toBeNull();
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(await rows("SELECT id FROM audit_events WHERE type = 'email.dropped' AND data LIKE ?", `%${row!.id}%`)).toHaveLength(1);
  });

  it("marks a permanent failure (bad address) failed without retrying, payload wiped", async () => {
    const email = uniqueEmail("bounce");
    await createUser(email, strongPassword());
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(Response.json({ message: "invalid to" }, { status: 422 }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    expect(row!.status).toBe("failed");
    expect(row!.payload).toBeNull();
    await makeDue(row!.id);
    await runCron();
    expect(fetchSpy).toHaveBeenCalledTimes(1);
    expect(await rows("SELECT id FROM audit_events WHERE type = 'email.failed' AND data LIKE ?", `%${row!.id}%`)).toHaveLength(1);
  });

  it("gives up after the last attempt: dead, kept without payload, audited", async () => {
    const email = uniqueEmail("dead");
    await createUser(email, strongPassword());
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("down", { status: 502 }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      await makeDue(row!.id);
      await runCron();
    }
    const [after] = await outboxFor(email);
    expect(after!.status).toBe("dead");
    expect(after!.attempts).toBe(MAX_ATTEMPTS);
    expect(after!.payload).toBeNull();
    expect(fetchSpy).toHaveBeenCalledTimes(MAX_ATTEMPTS);
    expect(await rows("SELECT id FROM audit_events WHERE type = 'email.dead' AND data LIKE ?", `%${row!.id}%`)).toHaveLength(1);
  });

  it("never lets two senders take the same row; a crashed sender's row is retried after its lease with the same key", async () => {
    const email = uniqueEmail("lease");
    await createUser(email, strongPassword());
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("down", { status: 500 }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    // Simulate a sender that claimed the row and crashed before recording the outcome.
    await env.DB.prepare("UPDATE outbox SET status = 'sending', lease_until = ? WHERE id = ?").bind(Date.now() + 60_000, row!.id).run();
    const keys: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (_i, init) => {
      keys.push(new Headers(init?.headers).get("Idempotency-Key")!);
      return Response.json({ id: "re_ok" });
    });
    await runCron();
    expect(keys).toEqual([]);
    await env.DB.prepare("UPDATE outbox SET lease_until = ? WHERE id = ?").bind(Date.now() - 1, row!.id).run();
    await Promise.all([runCron(), runCron()]);
    expect(keys).toEqual([row!.id]);
    expect((await outboxFor(email))[0]!.status).toBe("sent");
  });

  it("a row is inserted already claimed by its request; if that request dies, the cron sends it once after the lease", async () => {
    const email = uniqueEmail("claimed");
    await createUser(email, strongPassword());
    // The request's own attempt never returns (as if the isolate died mid-send).
    vi.spyOn(globalThis, "fetch").mockImplementation(() => new Promise<Response>(() => {}));
    expect((await api("/v1/password-resets", { json: { email }, env: RESEND, background: "leave" })).status).toBe(202);
    let row: OutboxDbRow | undefined;
    for (let i = 0; i < 50 && !row; i++) {
      [row] = await outboxFor(email);
      if (!row) await new Promise((r) => setTimeout(r, 20));
    }
    expect(row!.status).toBe("sending");
    expect(row!.attempts).toBe(1);
    const keys: string[] = [];
    vi.spyOn(globalThis, "fetch").mockImplementation(async (_i, init) => {
      keys.push(new Headers(init?.headers).get("Idempotency-Key")!);
      return Response.json({ id: "re_ok" });
    });
    await runCron();
    expect(keys).toEqual([]); // still leased to the (dead) request
    await env.DB.prepare("UPDATE outbox SET lease_until = ? WHERE id = ?").bind(Date.now() - 1, row!.id).run();
    await runCron();
    await runCron();
    expect(keys).toEqual([row!.id]);
    expect((await outboxFor(email))[0]).toMatchObject({ status: "sent", payload: null, attempts: 2 });
  });

  it("backs off exponentially with jitter, capped, and honours Retry-After", () => {
    expect(backoffMs(1, undefined, () => 1)).toBe(30_000);
    expect(backoffMs(2, undefined, () => 1)).toBe(60_000);
    expect(backoffMs(3, undefined, () => 0)).toBe(60_000);
    expect(backoffMs(30, undefined, () => 1)).toBe(3_600_000);
    expect(backoffMs(1, 600, () => 1)).toBe(600_000);
  });

  it("is written atomically with what it announces: when the batch fails, neither the reset nor its email exist", async () => {
    const email = uniqueEmail("atomic");
    const user = await createUser(email, strongPassword());
    // Make the last statement of the reset batch (its audit event) fail for this user only.
    const trigger = `fail_${user.id.replace(/\W/g, "_")}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_events WHEN NEW.user_id = '${user.id}' AND NEW.type = 'password_reset.admin_initiated' BEGIN SELECT RAISE(ABORT, 'boom'); END`,
    ).run();
    try {
      const res = await api(`/v1/users/${user.id}/password-reset?clientId=default`, { method: "POST", headers: { Authorization: "Bearer test-admin-key-0123456789" } });
      expect(res.status).toBe(500);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    expect(await rows("SELECT id FROM reset_requests WHERE user_id = ?", user.id)).toEqual([]);
    expect(await outboxFor(email)).toEqual([]);
  });

  it("the cron also purges, each bounded per run: expired resets, sessions and one-time tokens, sent rows after 7 days, failed/dead rows and audit events after AUDIT_RETENTION_DAYS", async () => {
    const email = uniqueEmail("purge");
    const user = await createUser(email, strongPassword());
    await api("/v1/password-resets", { json: { email } });
    const day = 86_400_000;
    const old = Date.now() - 10 * day;
    await env.DB.prepare("UPDATE reset_requests SET expires_at = ? WHERE user_id = ?").bind(old, user.id).run();
    await env.DB.prepare("UPDATE outbox SET created_at = ? WHERE user_id = ?").bind(old, user.id).run();
    await env.DB.prepare("INSERT INTO sessions (id, tenant_id, user_id, client_id, created_at, expires_at) VALUES (?, 'default', ?, 'default', ?, ?)").bind(`ses_${user.id}`, user.id, old, old).run();
    await env.DB.prepare("INSERT INTO one_time_tokens (id, kind, tenant_id, user_id, client_id, expires_at, created_at) VALUES (?, 'login', 'default', ?, 'default', ?, ?)").bind(`ott_${user.id}`, user.id, old, old).run();
    // Final outbox rows: a dead one past retention goes, a failed one within it stays.
    const insertFinal = (id: string, status: string, createdAt: number) =>
      env.DB.prepare("INSERT INTO outbox (id, tenant_id, client_id, user_id, template, status, attempts, next_attempt_at, created_at) VALUES (?, 'default', 'default', ?, 'reset', ?, 8, 0, ?)").bind(id, user.id, status, createdAt).run();
    await insertFinal(`dead_${user.id}`, "dead", Date.now() - 401 * day);
    await insertFinal(`failed_${user.id}`, "failed", Date.now() - 399 * day);
    // PURGE_LIMIT + 10 audit events past the default 400 days, and one recent event.
    const ancient = Date.now() - 401 * day;
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
       INSERT INTO audit_events (id, tenant_id, user_id, type, data, created_at) SELECT 'evt_old_' || ? || '_' || i, 'default', ?, 'test.old', '{}', ? FROM n`,
    ).bind(PURGE_LIMIT + 10, user.id, user.id, ancient).run();
    const oldEvents = () => rows("SELECT id FROM audit_events WHERE user_id = ? AND type = 'test.old'", user.id);

    await runCron();
    expect(await rows("SELECT id FROM reset_requests WHERE user_id = ?", user.id)).toEqual([]);
    expect(await rows("SELECT id FROM sessions WHERE user_id = ?", user.id)).toEqual([]);
    expect(await rows("SELECT id FROM one_time_tokens WHERE user_id = ?", user.id)).toEqual([]);
    expect((await rows<{ id: string }>("SELECT id FROM outbox WHERE user_id = ?", user.id)).map((r) => r.id)).toEqual([`failed_${user.id}`]);
    // Bounded: one run deletes at most PURGE_LIMIT events; the next run takes the rest.
    expect(await oldEvents()).toHaveLength(10);
    await runCron();
    expect(await oldEvents()).toEqual([]);
    expect((await rows("SELECT id FROM audit_events WHERE user_id = ? AND type = 'password_reset.requested'", user.id)).length).toBe(1);
  });
});
