import { decodeJwt } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hex, utf8 } from "../../../../src/crypto/encoding";
import { getDb } from "../../../../src/db/client";
import {
  adminHeaders,
  api,
  clock,
  codeOf,
  createUser,
  depsOverrides,
  newClient,
  PUBLIC_BASE_URL,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../../helpers";
import { recordingD1 } from "../../../helpers/d1";

afterEach(() => vi.restoreAllMocks());

/** Headers of a request that reached the Worker through another site (a proxy, workers.dev...). */
const FOREIGN_HOST = { Host: "attacker.example", "X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "http" };

/** The bytes of a timingSafeEqual argument, as hex. */
const argHex = (a: unknown) =>
  hex(ArrayBuffer.isView(a) ? new Uint8Array(a.buffer, a.byteOffset, a.byteLength) : new Uint8Array(a as ArrayBuffer));

/** Every form in which a stored hex HMAC may reach the comparison: its text, its bytes, or the SHA-256 of its text. */
async function formsOf(storedHex: string): Promise<Set<string>> {
  return new Set([hex(utf8(storedHex)), storedHex, hex(await crypto.subtle.digest("SHA-256", utf8(storedHex)))]);
}

describe("POST /v1/password-resets/verify", () => {
  it("never consumes a link token, however often it is checked (mail scanners)", async () => {
    const email = uniqueEmail("scanner");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    for (let i = 0; i < 5; i++) expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);
    const [rr] = await rows<{ consumed_at: number | null }>(
      "SELECT consumed_at FROM reset_requests " +
        "WHERE token_hash IS NOT NULL AND user_id = (SELECT id FROM users WHERE email = ?)",
      email,
    );
    expect(rr!.consumed_at).toBeNull();
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
  });

  it("kills the code after 5 wrong attempts, even for the right code afterwards", async () => {
    const email = uniqueEmail("guess");
    await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    const wrong = code === "000000" ? "111111" : "000000";
    for (let i = 0; i < 5; i++) {
      const res = await api("/v1/password-resets/verify", { json: { email, code: wrong } });
      expect(res.status).toBe(400);
      expect(await codeOf(res)).toBe("INVALID_CODE");
    }
    const right = await api("/v1/password-resets/verify", { json: { email, code } });
    expect(right.status).toBe(400);
    expect(await codeOf(right)).toBe("INVALID_CODE");
  });

  it("caps attempts even when guesses arrive in parallel", async () => {
    const email = uniqueEmail("parallel-guess");
    await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    const wrong = code === "000000" ? "111111" : "000000";
    await Promise.all(
      Array.from({ length: 12 }, () => api("/v1/password-resets/verify", { json: { email, code: wrong } })),
    );
    const [rr] = await rows<{ code_attempts: number }>(
      "SELECT code_attempts FROM reset_requests WHERE user_id = (SELECT id FROM users WHERE email = ?)",
      email,
    );
    expect(rr!.code_attempts).toBe(5);
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { email, code } }))).toBe("INVALID_CODE");
  });

  it("answers an unknown email with the same INVALID_CODE", async () => {
    const res = await api("/v1/password-resets/verify", { json: { email: uniqueEmail("nobody"), code: "123456" } });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe("INVALID_CODE");
  });

  it("rejects an expired code", async () => {
    const email = uniqueEmail("oldcode");
    await createUser(email, strongPassword());
    const { token, code } = await requestReset(email);
    // The code lives 10 minutes, the link 30: past the first, only the link still works.
    clock.advance(10 * 60_000 + 1_000);
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { email, code } }))).toBe("INVALID_CODE");
    expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);
  });

  it("tells invalid, expired and used link tokens apart by code", async () => {
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token: "x".repeat(43) } }))).toBe(
      "INVALID_TOKEN",
    );
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { token: "not-a-token" } }))).toBe(
      "INVALID_TOKEN",
    );
    const email = uniqueEmail("expired");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email);
    clock.advance(29 * 60_000);
    expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);
    clock.advance(2 * 60_000);
    const res = await api("/v1/password-resets/verify", { json: { token } });
    expect(res.status).toBe(410);
    expect(await codeOf(res)).toBe("TOKEN_EXPIRED");

    const other = uniqueEmail("used");
    await createUser(other, strongPassword());
    const used = await requestReset(other);
    expect(
      (await api("/v1/password-resets/complete", { json: { token: used.token, newPassword: strongPassword() } }))
        .status,
    ).toBe(200);
    const again = await api("/v1/password-resets/verify", { json: { token: used.token } });
    expect(again.status).toBe(410);
    expect(await codeOf(again)).toBe("TOKEN_USED");
  });

  it("compares the code's HMAC with the stored one through crypto.subtle.timingSafeEqual", async () => {
    const email = uniqueEmail("constant-time");
    const user = await createUser(email, strongPassword());
    const { code } = await requestReset(email);
    const [rr] = await rows<{ code_hmac: string }>("SELECT code_hmac FROM reset_requests WHERE user_id = ?", user.id);
    const stored = await formsOf(rr!.code_hmac);
    const spy = vi.spyOn(crypto.subtle, "timingSafeEqual");

    const wrong = code === "000000" ? "111111" : "000000";
    expect(await codeOf(await api("/v1/password-resets/verify", { json: { email, code: wrong } }))).toBe(
      "INVALID_CODE",
    );
    const wrongCalls = spy.mock.calls.map((args) => args.map(argHex));
    // One side is the stored HMAC, the other the (different) HMAC of the wrong code.
    expect(wrongCalls.some(([a, b]) => stored.has(a!) !== stored.has(b!))).toBe(true);

    spy.mockClear();
    expect((await api("/v1/password-resets/verify", { json: { email, code } })).status).toBe(200);
    const rightCalls = spy.mock.calls.map((args) => args.map(argHex));
    expect(rightCalls.some(([a, b]) => a === b && stored.has(a!))).toBe(true);
  });

  it("signs reset JWTs with PUBLIC_BASE_URL as issuer, whatever host the request came through", async () => {
    const email = uniqueEmail("issuer");
    await createUser(email, strongPassword());
    const { token, code } = await requestReset(email);
    for (const body of [{ token }, { email, code }]) {
      const res = await api("/v1/password-resets/verify", { json: body, headers: FOREIGN_HOST });
      expect(res.status).toBe(200);
      const { resetToken } = (await res.json()) as { resetToken: string };
      expect(decodeJwt(resetToken)).toMatchObject({ iss: PUBLIC_BASE_URL, aud: "resetkit:reset" });
    }
  });
});

describe("POST /v1/password-resets/verify: the wrong-code budget per account", () => {
  const verify = (email: string, code: string, extra: Record<string, unknown> = {}) =>
    api("/v1/password-resets/verify", { json: { email, code, ...extra } });
  const wrongFor = (code: string | null) => (code === "000000" ? "111111" : "000000");
  const budgetEvents = (userId: string) =>
    rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE type = 'password_reset.code_budget_exhausted' AND user_id = ?",
      userId,
    );

  it("refuses every code once 10 wrong codes were spent across the account's resets; link tokens still work", async () => {
    const email = uniqueEmail("budget");
    const user = await createUser(email, strongPassword());
    for (let round = 0; round < 2; round++) {
      const { code } = await requestReset(email);
      for (let i = 0; i < 5; i++) expect(await codeOf(await verify(email, wrongFor(code)))).toBe("INVALID_CODE");
    }
    const third = await requestReset(email);
    // The right code of a fresh reset: the same reply as a wrong one.
    const refused = await verify(email, third.code!);
    expect(refused.status).toBe(400);
    expect(await codeOf(refused)).toBe("INVALID_CODE");
    expect(await budgetEvents(user.id)).toHaveLength(1);
    // The link of that same email still works, through verify and complete.
    expect((await api("/v1/password-resets/verify", { json: { token: third.token } })).status).toBe(200);
    const done = await api("/v1/password-resets/complete", {
      json: { token: third.token, newPassword: strongPassword() },
    });
    expect(done.status).toBe(200);
  });

  it("holds under parallel guesses: 12 at once against a budget of 3 spend exactly 3", async () => {
    const t = await newClient(adminHeaders, { codeBudget: 3 });
    const email = uniqueEmail("budget-par");
    const user = await createUser(email, strongPassword());
    const { code } = await requestReset(email, { clientId: t.clientId });
    const answers = await Promise.all(
      Array.from({ length: 12 }, () => verify(email, wrongFor(code), { clientId: t.clientId })),
    );
    expect(answers.every((r) => r.status === 400)).toBe(true);
    const [rr] = await rows<{ code_attempts: number }>(
      "SELECT code_attempts FROM reset_requests WHERE user_id = ?",
      user.id,
    );
    expect(rr!.code_attempts).toBe(3);
    expect(await codeOf(await verify(email, code!, { clientId: t.clientId }))).toBe("INVALID_CODE");
    expect(await budgetEvents(user.id)).toHaveLength(1);
  });

  it("takes its limit from the client that sent the code, not from the client a guesser names", async () => {
    const strict = await newClient(adminHeaders, { codeBudget: 2 });
    const lax = await newClient(adminHeaders, { codeBudget: 100 });
    const email = uniqueEmail("budget-pick");
    const user = await createUser(email, strongPassword());
    const { code } = await requestReset(email, { clientId: strict.clientId });
    const wrong = await Promise.all(
      Array.from({ length: 4 }, () => verify(email, wrongFor(code), { clientId: lax.clientId })),
    );
    expect(wrong.every((r) => r.status === 400)).toBe(true);
    const [rr] = await rows<{ code_attempts: number }>(
      "SELECT code_attempts FROM reset_requests WHERE user_id = ?",
      user.id,
    );
    expect(rr!.code_attempts).toBe(2);
    expect(await codeOf(await verify(email, code!, { clientId: lax.clientId }))).toBe("INVALID_CODE");
    expect(await budgetEvents(user.id)).toHaveLength(1);
  });

  it("counts wrong codes only, and renews after 24 hours", async () => {
    const t = await newClient(adminHeaders, { codeBudget: 2 });
    const email = uniqueEmail("budget-right");
    await createUser(email, strongPassword());
    const first = await requestReset(email, { clientId: t.clientId });
    expect((await verify(email, wrongFor(first.code), { clientId: t.clientId })).status).toBe(400);
    expect((await verify(email, first.code!, { clientId: t.clientId })).status).toBe(200);
    const second = await requestReset(email, { clientId: t.clientId });
    expect((await verify(email, second.code!, { clientId: t.clientId })).status).toBe(200);
    const third = await requestReset(email, { clientId: t.clientId });
    expect((await verify(email, wrongFor(third.code), { clientId: t.clientId })).status).toBe(400);
    expect(await codeOf(await verify(email, third.code!, { clientId: t.clientId }))).toBe("INVALID_CODE");
    clock.advance(24 * 3_600_000 + 1_000);
    const fourth = await requestReset(email, { clientId: t.clientId });
    expect((await verify(email, fourth.code!, { clientId: t.clientId })).status).toBe(200);
  });

  it("is a client setting (codeBudget, 1-100, default 10)", async () => {
    const c = await newClient(adminHeaders);
    const got = await api(`/v1/clients/${c.clientId}`, { headers: adminHeaders });
    expect(((await got.json()) as { codeBudget: number }).codeBudget).toBe(10);
    const patch = (codeBudget: unknown) =>
      api(`/v1/clients/${c.clientId}`, { method: "PATCH", json: { codeBudget }, headers: adminHeaders });
    expect((await patch(0)).status).toBe(400);
    expect((await patch(101)).status).toBe(400);
    const ok = await patch(25);
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { codeBudget: number }).codeBudget).toBe(25);
  });
});

describe("POST /v1/password-resets/verify: no timing side channel", () => {
  it("asks D1 the same statements, in the same number of round trips, whatever the account's state", async () => {
    const known = async (tag: string) => {
      const email = uniqueEmail(tag);
      await createUser(email, strongPassword());
      return email;
    };
    const noCode = await known("sc-nocode");
    const withCode = await known("sc-code");
    const { code } = await requestReset(withCode);
    const disabled = await known("sc-disabled");
    await requestReset(disabled);
    const disabledId = (await rows<{ id: string }>("SELECT id FROM users WHERE email = ?", disabled))[0]!.id;
    await api(`/v1/users/${disabledId}`, { method: "PATCH", json: { disabled: true }, headers: adminHeaders });
    const spent = await known("sc-spent");
    for (let i = 0; i < 10; i++) await api("/v1/password-resets/verify", { json: { email: spent, code: "000000" } });
    const right = await known("sc-right");
    const rightCode = (await requestReset(right)).code!;

    const trace = async (email: string, c: string) => {
      const rec = recordingD1();
      depsOverrides.db = getDb(rec.db);
      const res = await api("/v1/password-resets/verify", { json: { email, code: c } });
      delete depsOverrides.db;
      return { status: res.status, calls: rec.calls.map((x) => `${x.kind}: ${x.sql.join(" ; ")}`) };
    };
    const wrong = code === "000000" ? "111111" : "000000";
    const unknown = await trace(uniqueEmail("sc-nobody"), "123456");
    expect(unknown.status).toBe(400);
    expect(unknown.calls).toHaveLength(3);
    for (const [email, c] of [
      [noCode, "123456"],
      [withCode, wrong],
      [disabled, "123456"],
      [spent, "123456"],
    ] as const) {
      const t = await trace(email, c);
      expect(t.status).toBe(400);
      expect(t.calls).toEqual(unknown.calls);
    }
    // Even success asks the same: the difference is in the answer, not in the work.
    const ok = await trace(right, rightCode);
    expect(ok.status).toBe(200);
    expect(ok.calls).toEqual(unknown.calls);
  });
});
