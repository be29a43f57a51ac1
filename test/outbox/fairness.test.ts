import { afterEach, describe, expect, it, vi } from "vitest";
import { backoffMs } from "../../src/outbox/backoff";
import {
  api,
  captureFetch,
  clock,
  envWith,
  newClient,
  newTenant,
  newUser,
  rows,
  runCron,
  strongPassword,
} from "../helpers";

// Its own file (its own database): the backlog it builds must not become due in other tests.

const PRIMARY = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key", MAIL_API_BASE_URL: "https://primary.fake.test" };

afterEach(() => vi.restoreAllMocks());

describe("cron fairness (src/outbox/store.ts dueOutboxFair)", () => {
  it("gives each tenant a fair share of a run, and webhooks a budget of their own (OUTBOX_BATCH, OUTBOX_WEBHOOK_BATCH)", async () => {
    // Tenant A: 12 resets, each an email and a webhook to a receiver that is down. Tenant B: one email.
    const a = await newTenant("Noisy");
    const hooks = "https://hooks.noisy.example/resetkit";
    const aClient = await newClient(a.headers, { webhookUrl: hooks });
    const aUsers = [];
    for (let i = 0; i < 12; i++) aUsers.push(await newUser(a.headers, { password: strongPassword() }));
    const b = await newTenant("Quiet");
    const bClient = await newClient(b.headers, {});
    const bUser = await newUser(b.headers, { password: strongPassword() });
    captureFetch(() => new Response("down", { status: 503 }));
    for (const u of aUsers)
      await api("/v1/password-resets", { json: { email: u.email, clientId: aClient.clientId }, env: PRIMARY });
    clock.advance(1_000);
    await api("/v1/password-resets", { json: { email: bUser.email, clientId: bClient.clientId }, env: PRIMARY });
    const due = await rows<{ tenant_id: string; channel: string }>(
      "SELECT tenant_id, channel FROM outbox WHERE status = 'queued' AND tenant_id IN (?, ?)",
      a.tenantId,
      b.tenantId,
    );
    expect(due.filter((r) => r.tenant_id === a.tenantId && r.channel === "webhook").length).toBeGreaterThanOrEqual(12);

    clock.advance(backoffMs(1, undefined, () => 1) + 1);
    const calls = captureFetch((req) =>
      new URL(req.url).host === "hooks.noisy.example"
        ? new Response("down", { status: 503 })
        : Response.json({ id: "re_ok" }),
    );
    const budgets = { ...PRIMARY, OUTBOX_BATCH: "4", OUTBOX_WEBHOOK_BATCH: "2" };
    await runCron(envWith(budgets));
    const mails = calls.filter((r) => new URL(r.url).host === "primary.fake.test");
    const webhooks = calls.filter((r) => new URL(r.url).host === "hooks.noisy.example");
    expect(mails).toHaveLength(4);
    expect(webhooks).toHaveLength(2);
    // B's one email went out in this run although A's twelve older ones were due before it.
    const [bRow] = await rows<{ status: string }>("SELECT status FROM outbox WHERE user_id = ?", bUser.id);
    expect(bRow!.status).toBe("sent");
  });
});
