import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isCommonPassword } from "../../../src/db/blocklist";
import { getDb } from "../../../src/db/client";
import { adminHeaders, api, newClient, newTenant, newUser, resetMail, rows, uniqueEmail } from "../../helpers";

const HIBP = { HIBP_API_BASE_URL: "https://hibp.fake.test" };

async function sha1Hex(s: string) {
  const d = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(s));
  return Array.from(new Uint8Array(d), (b) => b.toString(16).padStart(2, "0"))
    .join("")
    .toUpperCase();
}

/** A fake HIBP range API: answers padded ranges, with `count` for the breached password's suffix. */
function fakeHibp(breached: Record<string, number>) {
  const seen: Request[] = [];
  const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as string, init);
    seen.push(req);
    const prefix = new URL(req.url).pathname.split("/").pop()!;
    const lines = ["0018A45C4D1DEF81644B54AB7F969B88D65:0", "00D4F6E8FA6EECAD2A3AA415EEC418D38EC:2"];
    for (const [pw, n] of Object.entries(breached)) {
      const h = await sha1Hex(pw);
      if (h.startsWith(prefix)) lines.push(`${h.slice(5)}:${n}`);
    }
    return new Response(lines.join("\r\n"));
  });
  return { seen, spy };
}

const check = (json: Record<string, unknown>, opts: { env?: Record<string, string>; ip?: string } = {}) =>
  api("/v1/password-policy/check", { json, ...opts });
type CheckBody = { valid: boolean; errors: { path: string; code: string }[]; policy: Record<string, unknown> };

afterEach(() => vi.restoreAllMocks());

describe("common-password blocklist (D1)", () => {
  it("holds at least the 100,000 most common passwords, case-insensitively, outside the bundle", async () => {
    const db = getDb(env.DB);
    for (const pw of [
      "password",
      "123456",
      "12345678",
      "qwertyuiop",
      "PassWord1",
      "iloveyou",
      "trustno1",
      "070162",
      "football",
    ]) {
      expect(await isCommonPassword(db, pw), pw).toBe(true);
    }
    for (const pw of ["Correct-Horse-7f3a9c", "ilovemy-dog-Biscuit-42", crypto.randomUUID()])
      expect(await isCommonPassword(db, pw), pw).toBe(false);
    const [{ n }] = (await rows<{ n: number }>(
      "SELECT sum(length(fingerprints)) / 4 AS n FROM common_password_buckets",
    )) as [{ n: number }];
    expect(n).toBeGreaterThanOrEqual(100_000);
    expect(await rows("SELECT bucket FROM common_password_buckets")).toHaveLength(4096);
  });
});

describe("password history (no reuse of the last N)", () => {
  const complete = (token: string, newPassword: string) =>
    api("/v1/password-resets/complete", { json: { token, newPassword } });
  const LIMITS = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "100/15m", resetPerIp: "1000/15m" }) };
  const reset = async (email: string, clientId: string) => {
    await api("/v1/password-resets", { json: { email, clientId }, env: LIMITS });
    return resetMail(email);
  };

  it("default N=1 refuses the current password; N=3 also the two before it, but not older ones", async () => {
    const t = await newTenant();
    const c = await newClient(t.headers, { passwordPolicy: { historySize: 3 } });
    const pws = ["History-Pass-One-1", "History-Pass-Two-2", "History-Pass-Three-3", "History-Pass-Four-4"];
    const user = await newUser(t.headers, { password: pws[0], clientId: c.clientId });
    for (const pw of pws.slice(1)) {
      const { token } = await reset(user.email, c.clientId);
      expect((await complete(token, pw)).status).toBe(200);
    }
    // Current = Four; remembered: Three, Two (N=3). One is older and allowed again.
    for (const old of [pws[3]!, pws[2]!, pws[1]!]) {
      const { token } = await reset(user.email, c.clientId);
      const res = await complete(token, old);
      expect(res.status, old).toBe(400);
      expect(((await res.json()) as { errors: { code: string }[] }).errors.map((e) => e.code)).toEqual([
        "PASSWORD_REUSED",
      ]);
    }
    const { token } = await reset(user.email, c.clientId);
    expect((await complete(token, pws[0]!)).status).toBe(200);
    expect((await rows("SELECT id FROM password_history WHERE user_id = ?", user.id)).length).toBeLessThanOrEqual(9);
  });
});

describe("POST /v1/password-policy/check", () => {
  it("returns the per-rule result of the complete step, without revealing accounts", async () => {
    const res = await check({ password: "password", email: "pass@example.com" });
    expect(res.status).toBe(200);
    const body = (await res.json()) as CheckBody;
    expect(body.valid).toBe(false);
    expect(body.errors.map((e) => e.code)).toEqual(["PASSWORD_TOO_COMMON", "PASSWORD_CONTAINS_EMAIL"]);
    expect(body.errors[0]!.path).toBe("newPassword");
    expect(body.policy).toMatchObject({ minLength: 8, maxLength: 256, historySize: 1 });
    const ok = (await (await check({ password: "Correct-Horse-Battery-42" })).json()) as CheckBody;
    expect(ok).toMatchObject({ valid: true, errors: [] });
  });

  it("uses the named client's policy and context", async () => {
    const { clientId } = await newClient(adminHeaders, {
      name: "Zephyr Notes",
      branding: { productName: "Zephyr Notes" },
      passwordPolicy: { requireDigit: true, minLength: 12 },
    });
    const body = (await (await check({ password: "zephyr-rules", clientId })).json()) as CheckBody;
    expect(body.errors.map((e) => e.code)).toEqual(["PASSWORD_MISSING_DIGIT", "PASSWORD_CONTAINS_CONTEXT_WORD"]);
    expect((await check({ password: "x", clientId: "no-such-client" })).status).toBe(400);
  });

  it("is rate-limited per IP (its own bucket)", async () => {
    const limits = { RATE_LIMITS: JSON.stringify({ policyCheckPerIp: "2/15m" }) };
    for (let i = 0; i < 2; i++)
      expect((await check({ password: "whatever-1234" }, { env: limits, ip: "198.51.100.77" })).status).toBe(200);
    const blocked = await check({ password: "whatever-1234" }, { env: limits, ip: "198.51.100.77" });
    expect(blocked.status).toBe(429);
    expect(blocked.headers.get("Retry-After")).toBeTruthy();
  });
});

describe("breached-password check (HIBP k-anonymity, fake API)", () => {
  it("rejects a breached password, sending only the 5-character SHA-1 prefix with Add-Padding", async () => {
    const pw = "Tr0ub4dor&3-breached";
    const { seen } = fakeHibp({ [pw]: 1234 });
    const body = (await (await check({ password: pw }, { env: HIBP })).json()) as CheckBody;
    expect(body.errors.map((e) => e.code)).toEqual(["PASSWORD_BREACHED"]);
    expect(seen).toHaveLength(1);
    const sha1 = await sha1Hex(pw);
    expect(seen[0]!.url).toBe(`https://hibp.fake.test/range/${sha1.slice(0, 5)}`);
    expect(seen[0]!.headers.get("Add-Padding")).toBe("true");
    expect(seen[0]!.url).not.toContain(sha1.slice(5));
    expect(seen[0]!.method).toBe("GET");
  });

  it("accepts a clean password (padding lines with count 0 never match)", async () => {
    fakeHibp({});
    const body = (await (await check({ password: "Clean-Passphrase-9x7" }, { env: HIBP })).json()) as CheckBody;
    expect(body).toMatchObject({ valid: true, errors: [] });
  });

  it("fails open after 1.5 s when the API hangs, and audits it", async () => {
    vi.spyOn(globalThis, "fetch").mockImplementation(
      (_input, init) =>
        new Promise((_, reject) => {
          const signal = init?.signal as AbortSignal;
          signal.addEventListener("abort", () => reject(signal.reason));
        }),
    );
    const started = Date.now();
    const res = await check({ password: "Slow-Network-Passphrase-1" }, { env: HIBP });
    const took = Date.now() - started;
    expect((await res.json()) as CheckBody).toMatchObject({ valid: true });
    expect(took).toBeGreaterThanOrEqual(1400);
    expect(took).toBeLessThan(4000);
    const requestId = res.headers.get("X-Request-Id")!;
    const [evt] = await rows<{ type: string; data: string }>(
      "SELECT type, data FROM audit_events WHERE request_id = ?",
      requestId,
    );
    expect(evt).toMatchObject({ type: "password.breach_check_failed" });
    expect(JSON.parse(evt!.data)).toEqual({ reason: "timeout", failOpen: true, anonymous: true, unauditedBefore: 0 });
  });

  it("fails open on an HTTP error too; the complete step applies the same check", async () => {
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("busy", { status: 503 }));
    expect(((await (await check({ password: "Another-Passphrase-8" }, { env: HIBP })).json()) as CheckBody).valid).toBe(
      true,
    );
    vi.restoreAllMocks();
    const pw = "Breached-But-Long-Enough-1";
    fakeHibp({ [pw]: 3 });
    const created = await api("/v1/users", {
      json: { email: uniqueEmail("breach"), password: pw },
      headers: adminHeaders,
      env: HIBP,
    });
    expect(created.status).toBe(400);
    const problem = (await created.json()) as { code: string; errors: { path: string; code: string }[] };
    expect(problem.errors).toEqual([expect.objectContaining({ path: "password", code: "PASSWORD_BREACHED" })]);
  });

  it("HIBP down: anonymous checks audit it once a minute per tenant, after the response, not once per request", async () => {
    const t = await newTenant("Outage");
    const { clientId } = await newClient(t.headers, { name: "Kappa" });
    vi.spyOn(globalThis, "fetch").mockResolvedValue(new Response("busy", { status: 503 }));
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await check(
        { password: `Outage-Passphrase-${i}x`, clientId },
        { env: HIBP, ip: `198.51.100.${i + 60}` },
      );
      expect(((await res.json()) as CheckBody).valid).toBe(true);
      ids.push(res.headers.get("X-Request-Id")!);
    }
    const events = await rows<{ request_id: string; data: string }>(
      "SELECT request_id, data FROM audit_events WHERE tenant_id = ? AND type = 'password.breach_check_failed'",
      t.tenantId,
    );
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ reason: "http_503", failOpen: true });
    // Setting a password (a write anyway) audits every failure.
    const created = await api("/v1/users", {
      json: { email: uniqueEmail("outage"), password: "Outage-Passphrase-set", clientId },
      headers: t.headers,
      env: HIBP,
    });
    expect(created.status).toBe(201);
    const after = await rows(
      "SELECT id FROM audit_events WHERE tenant_id = ? AND type = 'password.breach_check_failed'",
      t.tenantId,
    );
    expect(after).toHaveLength(2);
  });

  it("an answer above 256 KiB is not read on: fail-open, audited as too_large", async () => {
    const chunk = new TextEncoder().encode(`${"A".repeat(35)}:1\r\n`.repeat(1000));
    let sent = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      const body = new ReadableStream<Uint8Array>({
        pull(c) {
          if (sent > 64 * 1024 * 1024) return c.close();
          sent += chunk.length;
          c.enqueue(chunk);
        },
      });
      return new Response(body);
    });
    const t = await newTenant("Huge");
    const { clientId } = await newClient(t.headers, { name: "Lambda" });
    const res = await check({ password: "Huge-Answer-Passphrase", clientId }, { env: HIBP });
    expect(((await res.json()) as CheckBody).valid).toBe(true);
    expect(sent).toBeLessThan(1024 * 1024);
    const [evt] = await rows<{ data: string }>(
      "SELECT data FROM audit_events WHERE tenant_id = ? AND type = 'password.breach_check_failed'",
      t.tenantId,
    );
    expect(JSON.parse(evt!.data)).toMatchObject({ reason: "too_large", failOpen: true });
  });
});
