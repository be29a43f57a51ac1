import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../../../src/db/client";
import { negotiateLocale } from "../../../../src/domain/locale";
import { LEASE_MS } from "../../../../src/outbox/store";
import {
  adminHeaders,
  api,
  clock,
  createUser,
  depsOverrides,
  envWith,
  newClient,
  rows,
  runCron,
  strongPassword,
  uniqueEmail,
} from "../../../helpers";
import { failingWhenD1, recordingD1 } from "../../../helpers/d1";

// The request endpoint writes a known address's reset inside its lookup batch (src/db/reset-batch.ts),
// before it has read the user: what it decides there in SQL must match what startReset decides in
// JavaScript, and its email row holds only the reset's secrets until a message is composed.

afterEach(() => vi.restoreAllMocks());

const RESEND = { MAIL_PROVIDER: "resend" };

/** The reset email a mocked provider was asked to send: its link token and code. */
function sentReset(init: RequestInit | undefined) {
  const body = JSON.parse(String(init?.body)) as { to: string[]; text: string };
  const token = /token=([A-Za-z0-9_-]+)/.exec(body.text)![1]!;
  const code = /\b(\d{6})\b/.exec(body.text)![1]!;
  return { to: body.to[0], token, code };
}

const outboxOf = (email: string) =>
  rows<{ id: string; status: string; payload: string | null; attempts: number }>(
    `SELECT o.id, o.status, o.payload, o.attempts FROM outbox o JOIN users u ON u.id = o.user_id
     WHERE u.email = ? AND o.channel = 'email' ORDER BY o.created_at`,
    email,
  );

/**
 * A known address's request whose sender dies after sending: the provider refuses the first
 * attempt and writing its outcome fails too, so the row stays claimed by a sender that is gone,
 * with only the reset's secrets in its payload. Returns the fetch spy (still refusing).
 */
async function requestWithDeadSender(email: string) {
  await createUser(email, strongPassword());
  const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => new Response("down", { status: 503 }));
  depsOverrides.db = getDb(failingWhenD1(env.DB, (call) => call.sql.some((q) => /^update "outbox"/i.test(q))).db);
  expect((await api("/v1/password-resets", { json: { email }, env: RESEND })).status).toBe(202);
  delete depsOverrides.db;
  expect(fetchSpy).toHaveBeenCalledTimes(1);
  return fetchSpy;
}

describe("POST /v1/password-resets: the reset written by the lookup's batch", () => {
  it("picks the reset's language as negotiateLocale does, whatever form the user's stored locale has", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_l" }));
    const stored = ["pt-BR", "fr_CA", " DE ", "ja", "xx-YY", "", null, "NL-be", "es-419-x"];
    const asked: { locale?: string; acceptLanguage?: string }[] = [
      {},
      { locale: "it" },
      { acceptLanguage: "de-CH;q=0.8, fr;q=0.9" },
      { locale: "zz", acceptLanguage: "ja" },
    ];
    for (const userLocale of stored)
      for (const a of asked) {
        const email = uniqueEmail("lang");
        const user = await createUser(email, strongPassword());
        await env.DB.prepare("UPDATE users SET locale = ? WHERE id = ?").bind(userLocale, user.id).run();
        const res = await api("/v1/password-resets", {
          json: { email, ...(a.locale ? { locale: a.locale } : {}) },
          headers: a.acceptLanguage ? { "Accept-Language": a.acceptLanguage } : {},
          env: RESEND,
        });
        expect(res.status).toBe(202);
        const [reset] = await rows<{ locale: string }>("SELECT locale FROM reset_requests WHERE user_id = ?", user.id);
        const expected = negotiateLocale({
          explicit: a.locale,
          user: userLocale,
          acceptLanguage: a.acceptLanguage,
          clientDefault: "en",
        });
        expect({ userLocale, ...a, locale: reset?.locale }).toEqual({ userLocale, ...a, locale: expected });
      }
  });

  it("a row whose sender died before its outcome was written: the cron composes it from its reset, and the link and code work", async () => {
    const email = uniqueEmail("crashed");
    const fetchSpy = await requestWithDeadSender(email);
    const [row] = await outboxOf(email);
    expect(row).toMatchObject({ status: "sending", attempts: 1 });
    expect(row!.payload).not.toBeNull();

    fetchSpy.mockImplementation(async () => Response.json({ id: "re_ok" }));
    clock.advance(LEASE_MS + 1_000);
    const d1 = recordingD1();
    depsOverrides.db = getDb(d1.db);
    await runCron(envWith(RESEND));
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    // Composed from the reset, its user and its client: one read more than a row holding its message.
    expect(d1.calls.some((c) => c.sql.some((q) => /from "reset_requests" inner join "users"/i.test(q)))).toBe(true);
    const mail = sentReset(fetchSpy.mock.calls[1]![1]);
    expect(mail.to).toBe(email);
    expect((await outboxOf(email))[0]).toMatchObject({ status: "sent", payload: null });
    delete depsOverrides.db;
    expect((await api("/v1/password-resets/verify", { json: { token: mail.token } })).status).toBe(200);
    expect((await api("/v1/password-resets/verify", { json: { email, code: mail.code } })).status).toBe(200);
  });

  it("such a row is dropped, not sent, once a newer request superseded its reset", async () => {
    const email = uniqueEmail("superseded");
    const fetchSpy = await requestWithDeadSender(email);
    // A newer request: its own email goes out at once.
    fetchSpy.mockImplementation(async () => Response.json({ id: "re_new" }));
    expect((await api("/v1/password-resets", { json: { email }, env: RESEND })).status).toBe(202);
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    clock.advance(LEASE_MS + 1_000);
    await runCron(envWith(RESEND));
    expect(fetchSpy).toHaveBeenCalledTimes(2);
    const [old, newer] = await outboxOf(email);
    expect(old).toMatchObject({ status: "dropped", payload: null });
    expect(newer).toMatchObject({ status: "sent" });
    const dropped = await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE type = 'email.dropped' AND json_extract(data, '$.messageId') = ?",
      old!.id,
    );
    expect(JSON.parse(dropped[0]!.data)).toMatchObject({ reason: "reset_gone" });
  });

  it("a failed first attempt hands its retries the whole message, sealed: the cron sends it without reading the reset", async () => {
    const email = uniqueEmail("resealed");
    await createUser(email, strongPassword());
    const fetchSpy = vi
      .spyOn(globalThis, "fetch")
      .mockImplementation(async () => new Response("down", { status: 503 }));
    expect((await api("/v1/password-resets", { json: { email }, env: RESEND })).status).toBe(202);
    const [before] = await outboxOf(email);
    expect(before).toMatchObject({ status: "queued" });
    fetchSpy.mockImplementation(async () => Response.json({ id: "re_ok" }));
    clock.advance(60_000);
    const d1 = recordingD1();
    depsOverrides.db = getDb(d1.db);
    await runCron(envWith(RESEND));
    expect((await outboxOf(email))[0]).toMatchObject({ status: "sent" });
    expect(d1.calls.some((c) => c.sql.some((q) => /reset_requests/i.test(q) && /inner join/i.test(q)))).toBe(false);
    // The same message both times (same link and code).
    expect(sentReset(fetchSpy.mock.calls[1]![1])).toEqual(sentReset(fetchSpy.mock.calls[0]![1]));
  });

  it("a client whose link lifetime changed in another isolate: the reset follows the fresh row", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => Response.json({ id: "re_t" }));
    const c = await newClient(adminHeaders);
    const email = uniqueEmail("ttl");
    const user = await createUser(email, strongPassword());
    expect((await api("/v1/password-resets", { json: { email, clientId: c.clientId }, env: RESEND })).status).toBe(202);
    // This isolate cached the client; another one changes it.
    await env.DB.prepare("UPDATE clients SET link_ttl_seconds = 900 WHERE id = ?").bind(c.clientId).run();
    const d1 = recordingD1();
    depsOverrides.db = getDb(d1.db);
    expect((await api("/v1/password-resets", { json: { email, clientId: c.clientId }, env: RESEND })).status).toBe(202);
    const resets = await rows<{ ttl: number; invalidated_at: number | null }>(
      "SELECT (expires_at - created_at) / 1000 AS ttl, invalidated_at FROM reset_requests WHERE user_id = ? ORDER BY created_at",
      user.id,
    );
    expect(resets.map((r) => r.ttl)).toEqual([1800, 900]);
    expect(resets[0]!.invalidated_at).not.toBeNull();
    expect(resets[1]!.invalidated_at).toBeNull();
    // The lookup wrote nothing for it; startReset's own batch did, then the outcome.
    expect(d1.calls.map((c) => c.kind)).toEqual(["batch", "batch", "batch"]);
  });
});
