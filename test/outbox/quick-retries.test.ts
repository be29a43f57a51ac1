import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffMs } from "../../src/outbox/backoff";
import { LEASE_MS } from "../../src/outbox/store";
import {
  api,
  captureFetch,
  clock,
  createUser,
  envWith,
  newClient,
  newTenant,
  newUser,
  rows,
  runCron,
  strongPassword,
  uniqueEmail,
} from "../helpers";

// The request's own first attempt retries in place (src/outbox/deliver.ts) before the cron gets the
// row. The test env turns quick retries off (vitest.config.ts); these tests turn them back on.
const RESEND = { MAIL_PROVIDER: "resend", MAIL_API_BASE_URL: "https://mail.fake.test" };
/** Blank: the production default waits (1 s, then 3 s). */
const DEFAULT_WAITS = { ...RESEND, OUTBOX_QUICK_RETRIES: "" };
/** Two short waits: the same series, fast. */
const SHORT_WAITS = { ...RESEND, OUTBOX_QUICK_RETRIES: "20,20" };

interface Row {
  id: string;
  status: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number | null;
  provider: string | null;
  payload: string | null;
}

const outboxOf = async (userId: string, channel = "email") =>
  (await rows<Row>("SELECT * FROM outbox WHERE user_id = ? AND channel = ?", userId, channel))[0]!;
const audited = (type: string, id: string) =>
  rows<{ data: string }>("SELECT data FROM audit_events WHERE type = ? AND data LIKE ?", type, `%${id}%`);
const advancePast = (at: number) => clock.advance(Math.max(0, at - clock.now()) + 1);

/** A fake Resend answering this test's recipient with `answers[n]` (the last one repeats), recording when each call came. */
function fakeResend(to: string, answers: (() => Response)[]) {
  const calls: { at: number; key: string | null }[] = [];
  captureFetch(async (req) => {
    const body = (await req.json().catch(() => ({}))) as { to?: string[] };
    if (body.to?.[0] !== to) return new Response("not this test's message", { status: 503 });
    calls.push({ at: Date.now(), key: req.headers.get("Idempotency-Key") });
    return answers[Math.min(calls.length, answers.length) - 1]!();
  });
  return calls;
}
const down = () => new Response("upstream down", { status: 503 });
const ok = () => Response.json({ id: "re_quick" });

afterEach(() => vi.restoreAllMocks());

describe("quick retries of the request's own attempt", () => {
  it("after two provider failures the email is accepted within 10 s of the request, with no cron run (default waits)", {
    timeout: 15_000,
  }, async () => {
    const email = uniqueEmail("quick");
    const user = await createUser(email, strongPassword());
    const calls = fakeResend(email, [down, down, ok]);
    const started = Date.now();
    // Waits for the request's background work (the whole series); no scheduled() runs in this test.
    expect((await api("/v1/password-resets", { json: { email }, env: DEFAULT_WAITS })).status).toBe(202);
    expect(calls).toHaveLength(3);
    expect(calls[2]!.at - started).toBeLessThan(10_000);
    // The waits were honoured: ≈ 1 s, then ≈ 3 s between the calls.
    expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(950);
    expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(2950);
    const row = await outboxOf(user.id);
    expect(row).toMatchObject({ status: "sent", attempts: 3, payload: null, provider: "resend", lease_until: null });
    expect(calls.map((c) => c.key)).toEqual([row.id, row.id, row.id]);
    const sent = await audited("email.sent", row.id);
    expect(sent).toHaveLength(1);
    expect(JSON.parse(sent[0]!.data)).toMatchObject({ attempts: 3, provider: "resend" });
  });

  it("a provider failing three times: handed to the cron with the usual backoff; cron attempts get no quick retries", async () => {
    const email = uniqueEmail("quick-cron");
    const user = await createUser(email, strongPassword());
    const calls = fakeResend(email, [down, down, down, down, ok]);
    await api("/v1/password-resets", { json: { email }, env: SHORT_WAITS });
    let row = await outboxOf(user.id);
    expect(row).toMatchObject({ status: "queued", attempts: 3, lease_until: null });
    expect(row.next_attempt_at).toBeGreaterThan(clock.now());
    expect(row.next_attempt_at).toBeLessThanOrEqual(clock.now() + backoffMs(3, undefined, () => 1));
    expect(calls).toHaveLength(3);

    advancePast(row.next_attempt_at);
    await runCron(envWith(SHORT_WAITS));
    row = await outboxOf(user.id);
    expect(row).toMatchObject({ status: "queued", attempts: 4 });
    expect(calls).toHaveLength(4); // one attempt per cron run

    advancePast(row.next_attempt_at);
    await runCron(envWith(SHORT_WAITS));
    expect(await outboxOf(user.id)).toMatchObject({ status: "sent", attempts: 5, payload: null });
    expect(calls).toHaveLength(5);
    expect(new Set(calls.map((c) => c.key))).toEqual(new Set([row.id]));
  });

  it("a Retry-After longer than the next wait hands the row to the cron at once, honouring it", async () => {
    const email = uniqueEmail("quick-later");
    const user = await createUser(email, strongPassword());
    const busy = () => new Response("slow down", { status: 429, headers: { "Retry-After": "90" } });
    const calls = fakeResend(email, [busy, ok]);
    await api("/v1/password-resets", { json: { email }, env: { ...RESEND, OUTBOX_QUICK_RETRIES: "1000,3000" } });
    const row = await outboxOf(user.id);
    expect(row).toMatchObject({ status: "queued", attempts: 1 });
    expect(row.next_attempt_at).toBeGreaterThanOrEqual(clock.now() + 89_000);
    expect(calls).toHaveLength(1);
  });

  it("keeps the row claimed during a wait: the lease outlasts it, so a cron run meanwhile does not take the row", async () => {
    const email = uniqueEmail("quick-lease");
    const user = await createUser(email, strongPassword());
    const calls = fakeResend(email, [down, ok]);
    const t0 = clock.now();
    const res = await api("/v1/password-resets", {
      json: { email },
      env: { ...RESEND, OUTBOX_QUICK_RETRIES: "1500" },
      background: "leave",
    });
    expect(res.status).toBe(202);
    await vi.waitFor(async () => expect((await outboxOf(user.id))?.attempts).toBe(2), { timeout: 1000, interval: 20 });
    const held = await outboxOf(user.id);
    expect(held.status).toBe("sending");
    expect(held.lease_until!).toBeGreaterThanOrEqual(t0 + 1500 + LEASE_MS);
    // Past the lease the row was inserted with, not past the one the wait holds.
    clock.advance(LEASE_MS + 500);
    await runCron(envWith(RESEND));
    expect(calls).toHaveLength(1);
    await vi.waitFor(async () => expect((await outboxOf(user.id)).status).toBe("sent"), {
      timeout: 3000,
      interval: 20,
    });
    expect(await outboxOf(user.id)).toMatchObject({ attempts: 2, payload: null });
    expect(calls).toHaveLength(2);
  });

  it("switches to the fallback provider after MAIL_FALLBACK_AFTER failures, within the quick retries or for the cron", async () => {
    const fallback = {
      ...SHORT_WAITS,
      MAIL_API_KEY: "re_key",
      MAIL_API_BASE_URL: "https://primary.fake.test",
      MAIL_FALLBACK_PROVIDER: "postmark",
      MAIL_FALLBACK_API_KEY: "pm_key",
      MAIL_FALLBACK_API_BASE_URL: "https://fallback.fake.test",
    };
    const hosts: string[] = [];
    captureFetch((req) => {
      hosts.push(new URL(req.url).host);
      return hosts.at(-1) === "primary.fake.test"
        ? down()
        : Response.json({ MessageID: "pm-1", ErrorCode: 0, Message: "OK" });
    });
    // After 1 failure: the first quick retry already goes through the fallback.
    const early = await createUser(uniqueEmail("quick-switch"), strongPassword());
    await api("/v1/password-resets", { json: { email: early.email }, env: { ...fallback, MAIL_FALLBACK_AFTER: "1" } });
    const a = await outboxOf(early.id);
    expect(a).toMatchObject({ status: "sent", provider: "postmark", attempts: 2 });
    expect(hosts).toEqual(["primary.fake.test", "fallback.fake.test"]);
    expect(JSON.parse((await audited("email.provider_switched", a.id))[0]!.data)).toMatchObject({
      from: "resend",
      to: "postmark",
      attempts: 1,
    });

    // After 3 (the default): the request's three attempts all fail on the primary; switched, due at once.
    hosts.length = 0;
    const late = await createUser(uniqueEmail("quick-switch"), strongPassword());
    await api("/v1/password-resets", { json: { email: late.email }, env: fallback });
    const b = await outboxOf(late.id);
    expect(b).toMatchObject({ status: "queued", provider: "postmark", attempts: 3 });
    expect(b.next_attempt_at).toBeLessThanOrEqual(clock.now());
    expect(hosts).toEqual(["primary.fake.test", "primary.fake.test", "primary.fake.test"]);
    await runCron(envWith(fallback));
    expect(await outboxOf(late.id)).toMatchObject({ status: "sent", provider: "postmark", attempts: 4 });
    expect(await audited("email.provider_switched", b.id)).toHaveLength(1);
  });

  it("webhook deliveries get the same quick retries", async () => {
    const hookUrl = `https://hooks.example.com/quick/${crypto.randomUUID().slice(0, 8)}`;
    const t = await newTenant();
    const client = await newClient(t.headers, { webhookUrl: hookUrl });
    const user = await newUser(t.headers, { password: strongPassword(), clientId: client.clientId });
    let hooks = 0;
    captureFetch((req) => {
      if (req.url !== hookUrl) return new Response(null, { status: 204 }); // the reset email
      return ++hooks === 1 ? new Response(null, { status: 503 }) : new Response(null, { status: 204 });
    });
    await api("/v1/password-resets", { json: { email: user.email, clientId: client.clientId }, env: SHORT_WAITS });
    expect(await outboxOf(user.id, "webhook")).toMatchObject({ status: "sent", attempts: 2, payload: null });
    expect(hooks).toBe(2);
  });
});
