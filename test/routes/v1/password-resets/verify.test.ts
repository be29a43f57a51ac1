import { decodeJwt } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hex, utf8 } from "../../../../src/crypto/encoding";
import {
  api,
  clock,
  codeOf,
  createUser,
  PUBLIC_BASE_URL,
  requestReset,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../../helpers";

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
