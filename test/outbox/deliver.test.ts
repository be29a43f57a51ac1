import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_ATTEMPTS } from "../../src/config/mail";
import { backoffMs } from "../../src/outbox/backoff";
import { LEASE_MS } from "../../src/outbox/store";
import {
  adminHeaders,
  api,
  clock,
  createUser,
  envWith,
  newClient,
  rows,
  runCron as runCronWith,
  strongPassword,
  uniqueEmail,
} from "../helpers";

const RESEND = { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" };

interface OutboxDbRow {
  id: string;
  status: string;
  payload: string | null;
  attempts: number;
  next_attempt_at: number;
  last_error: string | null;
  provider: string | null;
}

/** Runs the Cron Trigger handler once, with Resend at the fake base URL. */
const runCron = (vars: Record<string, string> = RESEND) => runCronWith(envWith(vars));

async function outboxFor(email: string): Promise<OutboxDbRow[]> {
  return rows<OutboxDbRow>(
    "SELECT * FROM outbox WHERE user_id = (SELECT id FROM users WHERE email = ?) ORDER BY created_at",
    email,
  );
}

/** Moves the test clock just past an instant (a row's next attempt: its backoff or Retry-After). */
const advancePast = (at: number) => clock.advance(Math.max(0, at - clock.now()) + 1);

/** Past the longest backoff (full jitter) that `attempts` failed attempts can set. */
const longestBackoff = (attempts: number) => backoffMs(attempts, undefined, () => 1) + 1;

/**
 * A fake Resend for this test's recipients: `answer(n, req)` decides their n-th call (1-based).
 * Calls for anyone else (rows earlier tests of this file left queued, made due by this test's
 * clock moves) get a 503 and are not recorded.
 */
function fakeResend(
  to: string | string[],
  answer: (n: number, req: Request) => Response | Promise<Response>,
): Request[] {
  const recipients = new Set([to].flat());
  const calls: Request[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    const body = (await req
      .clone()
      .json()
      .catch(() => ({}))) as { to?: string[] };
    if (!recipients.has(body.to?.[0] ?? "")) return new Response("not this test's message", { status: 503 });
    calls.push(req);
    return answer(calls.length, req.clone());
  });
  return calls;
}

const keyOf = (req: Request) => req.headers.get("Idempotency-Key");

/** Polls until `check` holds (work the test left running in the background). */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error("timed out waiting");
}

const audited = (type: string, id: string) =>
  rows("SELECT id FROM audit_events WHERE type = ? AND data LIKE ?", type, `%${id}%`);

afterEach(() => vi.restoreAllMocks());

describe("outbox delivery", () => {
  it("survives two provider failures and delivers exactly once, with one idempotency key", async () => {
    const email = uniqueEmail("retry");
    await createUser(email, strongPassword());
    const answers = [
      () => new Response("upstream down", { status: 500 }),
      () => {
        throw new DOMException("timed out", "TimeoutError");
      },
      () => Response.json({ id: "re_123" }),
    ];
    const calls = fakeResend(email, (n) => answers[n - 1]!());

    expect((await api("/v1/password-resets", { json: { email }, env: RESEND })).status).toBe(202);
    let [row] = await outboxFor(email);
    expect(row!.status).toBe("queued");
    expect(row!.attempts).toBe(1);
    expect(row!.next_attempt_at).toBeGreaterThan(clock.now());
    expect(row!.payload).toBeTruthy();

    // Not due yet: the cron leaves it alone.
    await runCron();
    expect(calls).toHaveLength(1);

    advancePast(row!.next_attempt_at);
    await runCron();
    [row] = await outboxFor(email);
    expect(row!.status).toBe("queued");
    expect(row!.last_error).toBe("timeout");

    advancePast(row!.next_attempt_at);
    await runCron();
    [row] = await outboxFor(email);
    expect(row!.status).toBe("sent");
    expect(row!.payload).toBeNull();
    expect(calls).toHaveLength(3);

    // Further cron runs never send it again (past any backoff, well within the link's 30 minutes).
    clock.advance(longestBackoff(3));
    await runCron();
    expect(calls).toHaveLength(3);

    expect(new Set(calls.map(keyOf))).toEqual(new Set([row!.id]));
    const req = calls[2]!;
    expect(req.method).toBe("POST");
    expect(req.url).toBe("https://mail.fake.test/emails");
    expect(req.headers.get("Authorization")).toBe("Bearer re_test_key_not_secret");
    const body = (await req.json()) as { to: string[]; from: string; subject: string; html: string; text: string };
    expect(body.to).toEqual([email]);
    expect(body.subject).toMatch(/reset/i);
    expect(body.text).toContain("token=");
    expect(body.html).toContain("token=");
    expect(await audited("email.sent", row!.id)).toHaveLength(1);
  });

  it("keeps payloads encrypted at rest (no address, link token or code in the row)", async () => {
    const email = uniqueEmail("sealed");
    await createUser(email, strongPassword());
    const calls = fakeResend(email, () => new Response("nope", { status: 503 }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    const body = await calls[0]!.text();
    const token = /token=([A-Za-z0-9_-]{43})/.exec(body)![1]!;
    const text = (JSON.parse(body) as { text: string }).text;
    const code = /\b(\d{6})\b/.exec(text.split("\n").find((l) => /code/i.test(l) && /\d{6}/.test(l))!)![1]!;
    const stored = JSON.stringify(row);
    expect(row!.status).toBe("queued"); // the payload is still needed
    expect(stored).not.toContain(email);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain(code);
    expect(row!.payload).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it("drops (does not send) a message whose token expired, and audits it", async () => {
    const email = uniqueEmail("expired");
    await createUser(email, strongPassword());
    const calls = fakeResend(email, () => new Response("busy", { status: 429, headers: { "Retry-After": "120" } }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    expect(row!.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 119_000);
    // Past the Retry-After and past the link's 30 minutes: due, but its token is dead.
    clock.advance(31 * 60_000);
    await runCron();
    const [after] = await outboxFor(email);
    expect(after!.status).toBe("dropped");
    expect(after!.payload).toBeNull();
    expect(calls).toHaveLength(1);
    expect(await audited("email.dropped", row!.id)).toHaveLength(1);
  });

  it("marks a permanent failure (bad address) failed without retrying, payload wiped", async () => {
    const email = uniqueEmail("bounce");
    await createUser(email, strongPassword());
    const calls = fakeResend(email, () => Response.json({ message: "invalid to" }, { status: 422 }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    expect(row!.status).toBe("failed");
    expect(row!.payload).toBeNull();
    // Past the backoff a retryable failure would have set (the token is still alive).
    clock.advance(longestBackoff(1));
    await runCron();
    expect(calls).toHaveLength(1);
    expect(await audited("email.failed", row!.id)).toHaveLength(1);
  });

  it("gives up after the last attempt: dead, kept without payload, audited", async () => {
    // Links that live 24 h: MAX_ATTEMPTS attempts' backoffs (about an hour) outlive the default
    // 30-minute link, whose row would be dropped instead.
    const { clientId } = await newClient(adminHeaders, { linkTtlSeconds: 86_400 });
    const email = uniqueEmail("dead");
    await createUser(email, strongPassword());
    const calls = fakeResend(email, () => new Response("down", { status: 502 }));
    await api("/v1/password-resets", { json: { email, clientId }, env: RESEND });
    for (let i = 1; i < MAX_ATTEMPTS; i++) {
      const [row] = await outboxFor(email);
      expect(row).toMatchObject({ status: "queued", attempts: i });
      advancePast(row!.next_attempt_at);
      await runCron();
    }
    const [after] = await outboxFor(email);
    expect(after!.status).toBe("dead");
    expect(after!.attempts).toBe(MAX_ATTEMPTS);
    expect(after!.payload).toBeNull();
    expect(calls).toHaveLength(MAX_ATTEMPTS);
    expect(await audited("email.dead", after!.id)).toHaveLength(1);
  });

  it("never lets two senders take the same row; a crashed sender's row is retried after its lease with the same key", async () => {
    const email = uniqueEmail("lease");
    await createUser(email, strongPassword());
    const calls = fakeResend(email, (n) => {
      if (n === 1) return new Response("down", { status: 500 }); // the request's own attempt
      if (n === 2) return new Promise<Response>(() => {}); // a cron sender that hangs (as if its isolate died)
      return Response.json({ id: "re_ok" });
    });
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await outboxFor(email);
    advancePast(row!.next_attempt_at);
    void runCron(); // claims the row, then never records an outcome
    await until(async () => (await outboxFor(email))[0]!.status === "sending");
    await runCron();
    expect(calls).toHaveLength(2); // still leased to the hung sender
    clock.advance(LEASE_MS + 1);
    await Promise.all([runCron(), runCron()]);
    expect(calls).toHaveLength(3); // one of the two concurrent runs won the claim
    expect(calls.map(keyOf)).toEqual([row!.id, row!.id, row!.id]);
    expect((await outboxFor(email))[0]).toMatchObject({ status: "sent", attempts: 3 });
  });

  it("a row is inserted already claimed by its request; if that request dies, the cron sends it once after the lease", async () => {
    const email = uniqueEmail("claimed");
    await createUser(email, strongPassword());
    // The request's own attempt never returns (as if the isolate died mid-send).
    const calls = fakeResend(email, (n) =>
      n === 1 ? new Promise<Response>(() => {}) : Response.json({ id: "re_ok" }),
    );
    const res = await api("/v1/password-resets", { json: { email }, env: RESEND, background: "leave" });
    expect(res.status).toBe(202);
    await until(async () => (await outboxFor(email)).length === 1 && calls.length === 1);
    const [row] = await outboxFor(email);
    expect(row!.status).toBe("sending");
    expect(row!.attempts).toBe(1);
    await runCron();
    expect(calls).toHaveLength(1); // still leased to the (dead) request
    clock.advance(LEASE_MS + 1);
    await runCron();
    await runCron();
    expect(calls.map(keyOf)).toEqual([row!.id, row!.id]);
    expect((await outboxFor(email))[0]).toMatchObject({ status: "sent", payload: null, attempts: 2 });
  });

  it("against a provider that fails intermittently, a series of cron runs sends every message exactly once", async () => {
    const PRIMARY = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key", MAIL_API_BASE_URL: "https://primary.fake.test" };
    const emails = Array.from({ length: 12 }, (_, i) => uniqueEmail(`bulk${i}`));
    for (const email of emails) await createUser(email);
    // A fake Resend, idempotent on the key for real, failing in every way a provider can. Each
    // message walks the list from its own starting point (the order of first calls), so each fault
    // is met and every message reaches an "ok" within three calls, whatever order the runs take.
    const faults = [
      "ok",
      "500",
      "timeout-before",
      "ok",
      "429",
      "accepted-then-timeout",
      "ok",
      "503",
      "ok",
      "network",
      "accepted-then-timeout",
      "ok",
    ];
    const delivered = new Map<string, number>();
    const seen = new Map<string, { start: number; calls: number }>();
    const calls = fakeResend(emails, (_n, req) => {
      const key = keyOf(req)!;
      const k = seen.get(key) ?? { start: seen.size, calls: 0 };
      seen.set(key, { ...k, calls: k.calls + 1 });
      const fault = faults[(k.start + k.calls) % faults.length]!;
      if (fault === "500" || fault === "503") return new Response("down", { status: Number(fault) });
      if (fault === "429")
        return Response.json({ message: "slow down" }, { status: 429, headers: { "Retry-After": "30" } });
      if (fault === "timeout-before") throw new DOMException("timed out", "TimeoutError");
      if (fault === "network") throw new TypeError("connection reset");
      if (!delivered.has(key)) delivered.set(key, delivered.size);
      if (fault === "accepted-then-timeout") throw new DOMException("timed out", "TimeoutError");
      return Response.json({ id: `re_${delivered.get(key)}` });
    });
    for (const email of emails) await api("/v1/password-resets", { json: { email }, env: PRIMARY });
    const byEmail = async () => (await Promise.all(emails.map(outboxFor))).map((r) => r[0]!);
    const ids = (await byEmail()).map((r) => r.id);
    for (let run = 0; run < 10; run++) {
      const pending = (await byEmail()).filter((r) => r.status !== "sent");
      if (pending.length === 0) break;
      advancePast(Math.max(...pending.map((r) => r.next_attempt_at)));
      await runCron(PRIMARY);
    }
    const final = await byEmail();
    expect(final.map((r) => r.status)).toEqual(ids.map(() => "sent"));
    expect(final.every((r) => r.payload === null && r.provider === "resend")).toBe(true);
    expect([...delivered.keys()].sort()).toEqual([...ids].sort());
    expect(calls.length).toBeGreaterThan(ids.length);
    // Further runs never touch them again (past any backoff, well within the links' 30 minutes).
    const before = calls.length;
    clock.advance(longestBackoff(3));
    await runCron(PRIMARY);
    expect(calls).toHaveLength(before);
  });

  it("is written atomically with what it announces: when the batch fails, neither the reset nor its email exist", async () => {
    const email = uniqueEmail("atomic");
    const user = await createUser(email, strongPassword());
    // Raw SQL: no API makes a D1 batch fail half-way. This trigger makes the last statement of the
    // reset batch (its audit event) fail, for this user only.
    const trigger = `fail_${user.id.replace(/\W/g, "_")}`;
    await env.DB.prepare(
      `CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_events ` +
        `WHEN NEW.user_id = '${user.id}' AND NEW.type = 'password_reset.admin_initiated' ` +
        "BEGIN SELECT RAISE(ABORT, 'boom'); END",
    ).run();
    try {
      const res = await api(`/v1/users/${user.id}/password-reset?clientId=default`, {
        method: "POST",
        headers: adminHeaders,
      });
      expect(res.status).toBe(500);
    } finally {
      await env.DB.prepare(`DROP TRIGGER ${trigger}`).run();
    }
    expect(await rows("SELECT id FROM reset_requests WHERE user_id = ?", user.id)).toEqual([]);
    expect(await outboxFor(email)).toEqual([]);
  });
});
