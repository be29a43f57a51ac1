import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  adminHeaders,
  api,
  captureFetch,
  clock,
  createUser,
  newClient,
  newTenant,
  newUser,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";

const RESEND = { MAIL_PROVIDER: "resend", MAIL_API_KEY: "re_key", MAIL_API_BASE_URL: "https://mail.fake.test" };

interface EmailView {
  id: string;
  tenantId: string;
  userId: string | null;
  template: string;
  status: string;
  attempts: number;
  provider: string | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
}
type Page = { emails: EmailView[]; nextCursor: string | null };

/** A second tenant with a client, and that tenant's (full-scope) API key. */
async function otherTenant(): Promise<{ tenantId: string; clientId: string; headers: Record<string, string> }> {
  const t = await newTenant("Other");
  const c = await newClient(t.headers, { name: "Other app" });
  return { tenantId: t.tenantId, clientId: c.clientId, headers: t.headers };
}

/**
 * An outbox row in a state no API call can hold it in for a test: "dead" is reached only after
 * MAX_ATTEMPTS (8) failed deliveries across the whole backoff ladder (test/outbox covers that road),
 * "sending" only while a delivery is in flight. Only the state matters to these tests.
 */
const insertRow = (id: string, tenantId: string, clientId: string, status: "dead" | "sending") =>
  env.DB.prepare(
    "INSERT INTO outbox (id, tenant_id, client_id, user_id, template, status, attempts, next_attempt_at, created_at, provider)" +
      " VALUES (?, ?, ?, 'usr_x', 'reset', ?, 1, ?, ?, 'resend')",
  )
    .bind(id, tenantId, clientId, status, clock.now() + 60_000, clock.now())
    .run();

/** The outbox row written for the user's one email. */
const rowOf = async (userId: string) => {
  const found = await rows<{ id: string; status: string }>("SELECT id, status FROM outbox WHERE user_id = ?", userId);
  expect(found).toHaveLength(1);
  return found[0]!;
};

const list = async (query: string, headers: Record<string, string> = adminHeaders) =>
  (await api(`/v1/emails${query}`, { headers })).json() as Promise<Page>;

afterEach(() => vi.restoreAllMocks());

describe("GET /v1/emails", () => {
  it("lists outbox rows without bodies or addresses, filtered by status", async () => {
    const email = uniqueEmail("list");
    const user = await createUser(email, strongPassword());
    captureFetch(() => new Response("down", { status: 503 }));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const res = await api("/v1/emails?status=queued&limit=100", { headers: adminHeaders });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).not.toContain(email);
    expect(text).not.toMatch(/payload|html|"to"/);
    const mine = (JSON.parse(text) as Page).emails.find((e) => e.userId === user.id)!;
    expect(mine).toMatchObject({
      tenantId: "default",
      template: "reset",
      status: "queued",
      attempts: 1,
      provider: "resend",
      lastError: "HTTP 503: down",
    });
    expect(Date.parse(mine.nextAttemptAt!)).toBeGreaterThan(Date.now());
    expect((await list("?status=sent&limit=100")).emails.some((e) => e.userId === user.id)).toBe(false);
    expect((await api("/v1/emails?status=lost", { headers: adminHeaders })).status).toBe(400);
    expect((await api("/v1/emails")).status).toBe(401);
  });

  it("pages newest first with an opaque cursor, and rejects a forged one", async () => {
    const { tenantId, clientId, headers } = await otherTenant();
    // Five sent reset emails, a second apart.
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const user = await newUser(headers);
      clock.advance(1000);
      await api("/v1/password-resets", { json: { email: user.email, clientId } });
      const row = await rowOf(user.id);
      expect(row.status).toBe("sent");
      ids.push(row.id);
    }
    const first = await list("?limit=2", headers);
    expect(first.emails.map((e) => e.id)).toEqual([ids[4], ids[3]]);
    const second = await list(`?limit=2&cursor=${first.nextCursor}`, headers);
    const third = await list(`?limit=2&cursor=${second.nextCursor}`, headers);
    expect([...second.emails, ...third.emails].map((e) => e.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(third.nextCursor).toBeNull();
    expect(first.emails.every((e) => e.tenantId === tenantId)).toBe(true);
    const bad = await api("/v1/emails?cursor=not-a-cursor", { headers });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { code: string }).code).toBe("VALIDATION_FAILED");
  });

  it("is tenant-scoped: a tenant's key sees only its tenant, the root key sees all", async () => {
    const a = await otherTenant();
    const b = await otherTenant();
    await insertRow(`msg_a_${a.tenantId}`, a.tenantId, a.clientId, "dead");
    await insertRow(`msg_b_${b.tenantId}`, b.tenantId, b.clientId, "dead");
    const seenByA = (await list("?limit=100", a.headers)).emails;
    expect(seenByA.map((e) => e.tenantId)).toEqual([a.tenantId]);
    const root = (await list("?status=dead&limit=100")).emails.map((e) => e.id);
    expect(root).toEqual(expect.arrayContaining([`msg_a_${a.tenantId}`, `msg_b_${b.tenantId}`]));
    // Another tenant's row does not exist for A, not even to retry.
    const res = await api(`/v1/emails/msg_b_${b.tenantId}/retry`, { method: "POST", headers: a.headers });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { code: string }).code).toBe("EMAIL_NOT_FOUND");
  });
});

describe("POST /v1/emails/{id}/retry", () => {
  it("pulls a backing-off message forward and sends it at once, still with its one idempotency key", async () => {
    const email = uniqueEmail("retry-op");
    const user = await createUser(email, strongPassword());
    let up = false;
    const calls = captureFetch(() => (up ? Response.json({ id: "re_ok" }) : new Response("down", { status: 503 })));
    await api("/v1/password-resets", { json: { email }, env: RESEND });
    const [row] = await rows<{ id: string; status: string }>(
      "SELECT id, status FROM outbox WHERE user_id = ?",
      user.id,
    );
    expect(row!.status).toBe("queued");
    up = true;
    const res = await api(`/v1/emails/${row!.id}/retry`, { method: "POST", headers: adminHeaders, env: RESEND });
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ id: row!.id, status: "queued" });
    const [after] = await rows<{ status: string; attempts: number }>(
      "SELECT status, attempts FROM outbox WHERE id = ?",
      row!.id,
    );
    expect(after).toMatchObject({ status: "sent", attempts: 2 });
    expect(calls.map((r) => r.headers.get("Idempotency-Key"))).toEqual([row!.id, row!.id]);
    const audits = await rows(
      "SELECT id FROM audit_events WHERE type = 'email.retry_requested' AND data LIKE ?",
      `%${row!.id}%`,
    );
    expect(audits).toHaveLength(1);
  });

  it("refuses rows whose payload is gone (sent, failed, dead, dropped) or that are being sent, and unknown ids", async () => {
    const t = await otherTenant();
    const ids: Record<string, string> = {};
    // sent: delivered by the dev mailer.
    const sent = await newUser(t.headers);
    await api("/v1/password-resets", { json: { email: sent.email, clientId: t.clientId } });
    ids.sent = (await rowOf(sent.id)).id;
    // failed: the provider refuses the message for good.
    const failed = await newUser(t.headers);
    captureFetch(() => Response.json({ message: "invalid to" }, { status: 422 }));
    await api("/v1/password-resets", { json: { email: failed.email, clientId: t.clientId }, env: RESEND });
    vi.restoreAllMocks();
    ids.failed = (await rowOf(failed.id)).id;
    // dropped: queued (provider down) when its client is deleted.
    const doomed = await newClient(adminHeaders, { name: "Doomed", tenantId: t.tenantId });
    const dropped = await newUser(t.headers);
    captureFetch(() => new Response("down", { status: 503 }));
    await api("/v1/password-resets", { json: { email: dropped.email, clientId: doomed.clientId }, env: RESEND });
    vi.restoreAllMocks();
    expect((await api(`/v1/clients/${doomed.clientId}`, { method: "DELETE", headers: t.headers })).status).toBe(204);
    ids.dropped = (await rowOf(dropped.id)).id;
    for (const status of ["dead", "sending"] as const) {
      ids[status] = `msg_${status}_${t.tenantId}`;
      await insertRow(ids[status], t.tenantId, t.clientId, status);
    }
    for (const status of ["sent", "failed", "dead", "dropped", "sending"]) {
      expect((await rows<{ status: string }>("SELECT status FROM outbox WHERE id = ?", ids[status]))[0]!.status).toBe(
        status,
      );
      const res = await api(`/v1/emails/${ids[status]}/retry`, { method: "POST", headers: adminHeaders });
      expect(res.status, status).toBe(409);
      expect(((await res.json()) as { code: string }).code).toBe("EMAIL_NOT_RETRYABLE");
    }
    expect((await api("/v1/emails/msg_nope/retry", { method: "POST", headers: adminHeaders })).status).toBe(404);
  });
});
