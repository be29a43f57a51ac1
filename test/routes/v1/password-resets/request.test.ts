import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TALLY_MS } from "../../../../src/flows/tally-requests";
import {
  adminHeaders,
  api,
  clock,
  codeOf,
  createUser,
  envWith,
  headerNames,
  mailTo,
  newClient,
  PUBLIC_BASE_URL,
  REQUEST_BASE,
  requestReset,
  resetMail,
  rows,
  strongPassword,
  uniqueEmail,
  worker,
} from "../../../helpers";

afterEach(() => vi.restoreAllMocks());

/** A POST /v1/password-resets handed to the Worker without waiting for its waitUntil work. */
function startRequest(email: string, ip: string, vars: Parameters<typeof envWith>[0] = {}) {
  const ctx = createExecutionContext();
  const req = new Request(`${REQUEST_BASE}/v1/password-resets`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": ip },
    body: JSON.stringify({ email }),
  });
  return { ctx, res: worker.fetch(req as never, envWith(vars), ctx) };
}

describe("POST /v1/password-resets", () => {
  it("answers byte-identically, with the same headers, for known and unknown accounts", async () => {
    const known = uniqueEmail("known");
    await createUser(known, strongPassword());
    const a = await api("/v1/password-resets", { json: { email: known } });
    const b = await api("/v1/password-resets", { json: { email: uniqueEmail("nobody") } });
    expect(a.status).toBe(202);
    expect(b.status).toBe(202);
    expect(await a.text()).toBe(await b.text());
    expect(headerNames(a)).toEqual(headerNames(b));
    for (const name of headerNames(a)) expect(a.headers.get(name)).toBe(b.headers.get(name));
  });

  it("sends no email to an unknown address and writes no row for it", async () => {
    const nobody = uniqueEmail("nobody");
    const count = async () =>
      (
        await rows<{ n: number }>(
          "SELECT (SELECT count(*) FROM audit_events) + (SELECT count(*) FROM reset_requests) n",
        )
      )[0]!.n;
    const before = await count();
    expect((await api("/v1/password-resets", { json: { email: nobody } })).status).toBe(202);
    expect(await mailTo(nobody)).toEqual([]);
    // Counted in the isolate for operators, written once per client per minute (response-path.test.ts).
    expect(await count()).toBe(before);
  });

  it("responds before the user lookup, token creation and sending happen (they run in waitUntil)", async () => {
    const email = uniqueEmail("bg");
    const user = await createUser(email, strongPassword());
    const { ctx, res } = startRequest(email, "198.51.100.20");
    expect((await res).status).toBe(202);
    // The response exists while the reset has not been created yet: nothing user-dependent was awaited.
    expect(await rows("SELECT id FROM reset_requests WHERE user_id = ?", user.id)).toEqual([]);
    await waitOnExecutionContext(ctx);
    expect((await rows("SELECT id FROM reset_requests WHERE user_id = ?", user.id)).length).toBe(1);
  });

  it("does not wait for a slow mail provider", async () => {
    const email = uniqueEmail("slow");
    await createUser(email, strongPassword());
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fetchSpy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => {
      await gate;
      return Response.json({ id: "re_1" });
    });
    const { ctx, res } = startRequest(email, "198.51.100.21", { MAIL_PROVIDER: "resend" });
    expect((await res).status).toBe(202);
    release();
    await waitOnExecutionContext(ctx);
    expect(fetchSpy).toHaveBeenCalledTimes(1);
  });

  it("builds the link from configuration only, never from Host or X-Forwarded-Host", async () => {
    // The test requests go to REQUEST_BASE, on purpose another origin than PUBLIC_BASE_URL.
    expect(new URL(REQUEST_BASE).origin).not.toBe(new URL(PUBLIC_BASE_URL).origin);
    const email = uniqueEmail("host");
    await createUser(email, strongPassword());
    const res = await api("/v1/password-resets", {
      json: { email },
      headers: { "X-Forwarded-Host": "evil.example", Host: "evil.example" },
    });
    expect(res.status).toBe(202);
    const { link, mail } = await resetMail(email);
    expect(link.startsWith(`${PUBLIC_BASE_URL}/reset-password?token=`)).toBe(true);
    for (const body of [mail.text, mail.html]) {
      expect(body).not.toContain("evil.example");
      expect(body).not.toContain(new URL(REQUEST_BASE).host);
    }
  });

  it("ignores Host and X-Forwarded-Host/-Proto of another site: the link stays on PUBLIC_BASE_URL", async () => {
    const email = uniqueEmail("forwarded");
    await createUser(email, strongPassword());
    const res = await api("/v1/password-resets", {
      json: { email },
      headers: {
        Host: "attacker.example:8443",
        "X-Forwarded-Host": "attacker.example",
        "X-Forwarded-Proto": "http",
        Forwarded: "host=attacker.example;proto=http",
      },
    });
    expect(res.status).toBe(202);
    const { link, mail } = await resetMail(email);
    expect(new URL(link).origin).toBe(new URL(PUBLIC_BASE_URL).origin);
    expect(link.startsWith(`${PUBLIC_BASE_URL}/reset-password?token=`)).toBe(true);
    expect(mail.text).not.toContain("attacker.example");
    expect(mail.html).not.toContain("attacker.example");
  });

  it("uses the client's resetUrl for the link when it has one", async () => {
    const email = uniqueEmail("reseturl");
    await createUser(email, strongPassword());
    const { clientId } = await newClient(adminHeaders, {
      resetUrl: "https://app.example.com/reset?x=1",
      redirectUris: ["https://app.example.com/done"],
    });
    const { link } = await requestReset(email, { clientId, redirectUri: "https://app.example.com/done" });
    const url = new URL(link);
    expect(url.origin + url.pathname).toBe("https://app.example.com/reset");
    expect(url.searchParams.get("x")).toBe("1");
    expect(url.searchParams.get("token")).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("rejects a redirectUri that is not exactly on the client's allowlist", async () => {
    const { clientId } = await newClient(adminHeaders, { redirectUris: ["https://app.example.com/done"] });
    for (const redirectUri of [
      "https://app.example.com/done/",
      "https://app.example.com/done?x=1",
      "https://evil.example/done",
      "https://app.example.com.evil.example/done",
    ]) {
      const res = await api("/v1/password-resets", { json: { email: uniqueEmail(), clientId, redirectUri } });
      expect(res.status).toBe(400);
      expect(await codeOf(res)).toBe("REDIRECT_URI_NOT_ALLOWED");
    }
    const ok = await api("/v1/password-resets", {
      json: { email: uniqueEmail(), clientId, redirectUri: "https://app.example.com/done" },
    });
    expect(ok.status).toBe(202);
  });

  it("rejects an unknown client, named in the body or by X-Client-Id", async () => {
    const res = await api("/v1/password-resets", { json: { email: uniqueEmail(), clientId: "no-such-client" } });
    expect(res.status).toBe(400);
    expect(await codeOf(res)).toBe("UNKNOWN_CLIENT");
    const byHeader = await api("/v1/password-resets", {
      json: { email: uniqueEmail() },
      headers: { "X-Client-Id": "no-such-client" },
    });
    expect(await codeOf(byHeader)).toBe("UNKNOWN_CLIENT");
  });

  it("stores only a hash of the link token and an HMAC of the code", async () => {
    const email = uniqueEmail("stored");
    const user = await createUser(email, strongPassword());
    const { token, code } = await requestReset(email);
    const [rr] = await rows<Record<string, unknown>>("SELECT * FROM reset_requests WHERE user_id = ?", user.id);
    const dump = JSON.stringify(rr);
    expect(dump).not.toContain(token);
    expect(dump).not.toContain(`"${code}"`);
    const digest = [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)))]
      .map((b) => b.toString(16).padStart(2, "0"))
      .join("");
    expect(rr!.token_hash).toBe(digest);
    expect(rr!.code_hmac).toMatch(/^[0-9a-f]{64}$/);
    expect((rr!.expires_at as number) - (rr!.created_at as number)).toBe(30 * 60 * 1000);
    expect((rr!.code_expires_at as number) - (rr!.created_at as number)).toBe(10 * 60 * 1000);
  });

  it("a new request supersedes the older outstanding one", async () => {
    const email = uniqueEmail("supersede");
    await createUser(email, strongPassword());
    const first = await requestReset(email);
    const second = await requestReset(email);
    expect(second.token).not.toBe(first.token);
    const old = await api("/v1/password-resets/complete", {
      json: { token: first.token, newPassword: strongPassword() },
    });
    expect(old.status).toBe(410);
    expect(await codeOf(old)).toBe("TOKEN_USED");
    const oldCode = await api("/v1/password-resets/verify", { json: { email, code: first.code } });
    if (first.code !== second.code) expect(await codeOf(oldCode)).toBe("INVALID_CODE");
    expect(
      (await api("/v1/password-resets/complete", { json: { token: second.token, newPassword: strongPassword() } }))
        .status,
    ).toBe(200);
  });

  it("limits per email (keyed by a hash, identical for unknown emails) with 429 and Retry-After", async () => {
    const limits = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "2/15m", resetPerIp: "1000/15m" }) };
    for (const email of [
      uniqueEmail("limited"),
      await createUser(uniqueEmail("limited-known"), strongPassword()).then((u) => u.email),
    ]) {
      for (let i = 0; i < 2; i++)
        expect((await api("/v1/password-resets", { json: { email }, env: limits })).status).toBe(202);
      // Case and spacing do not dodge the limit: the key is the normalized address.
      const res = await api("/v1/password-resets", { json: { email: `  ${email.toUpperCase()} ` }, env: limits });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get("Retry-After"))).toBeGreaterThan(0);
      expect(await codeOf(res)).toBe("RATE_LIMITED");
    }
    const keys = await env.RATE_LIMIT_KV.list({ prefix: "rl:resetPerEmail:" });
    expect(keys.keys.some((k) => k.name.includes("@"))).toBe(false);
  });

  it("limits per IP from CF-Connecting-IP only, ignoring X-Forwarded-For", async () => {
    const limits = { RATE_LIMITS: JSON.stringify({ resetPerIp: "2/15m" }) };
    const ip = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 2; i++) {
      const res = await api("/v1/password-resets", {
        json: { email: uniqueEmail() },
        env: limits,
        ip,
        headers: { "X-Forwarded-For": `10.0.0.${i}` },
      });
      expect(res.status).toBe(202);
    }
    const blocked = await api("/v1/password-resets", {
      json: { email: uniqueEmail() },
      env: limits,
      ip,
      headers: { "X-Forwarded-For": "10.9.9.9" },
    });
    expect(blocked.status).toBe(429);
    const otherIp = await api("/v1/password-resets", {
      json: { email: uniqueEmail() },
      env: limits,
      ip: "192.0.2.254",
    });
    expect(otherIp.status).toBe(202);
  });
});

describe("POST /v1/password-resets: the daily cap of reset emails per address", () => {
  const manyIps = (n: number) =>
    Array.from(
      { length: n },
      (_, i) => `2001:db8:${(0x1000 + Math.floor(Math.random() * 0xe000)).toString(16)}:${i}::1`,
    );
  const limits = { RATE_LIMITS: JSON.stringify({ resetPerEmail: "1000/15m", resetPerIp: "1000/15m" }) };

  it("sends at most 10 reset emails per address per 24 hours, whatever the IPs, and answers every request alike", async () => {
    const known = uniqueEmail("capped");
    const user = await createUser(known, strongPassword());
    const unknown = uniqueEmail("capped-nobody");
    const answers: Response[] = [];
    for (const ip of manyIps(12)) {
      answers.push(await api("/v1/password-resets", { json: { email: known }, env: limits, ip }));
      answers.push(await api("/v1/password-resets", { json: { email: unknown }, env: limits, ip }));
    }
    const texts = await Promise.all(answers.map((r) => r.text()));
    expect(answers.every((r) => r.status === 202)).toBe(true);
    expect(new Set(texts).size).toBe(1);
    expect(new Set(answers.map((r) => headerNames(r).join())).size).toBe(1);
    expect((await mailTo(known)).length).toBe(10);
    const capped = () =>
      rows<{ data: string }>(
        "SELECT data FROM audit_events WHERE type = 'password_reset.email_capped' AND user_id = ?",
        user.id,
      );
    // Counted in the isolate, not one row per hammering request: written once its minute is over.
    expect(await capped()).toEqual([]);
    clock.advance(TALLY_MS);
    expect((await api("/v1/password-resets", { json: { email: known }, env: limits })).status).toBe(202);
    const written = await capped();
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]!.data)).toMatchObject({ count: 3, limit: 10, windowSeconds: 86_400 });
    expect((await mailTo(known)).length).toBe(10);
    // The 10th email's link still works: capped requests supersede nothing.
    const { token } = await resetMail(known);
    expect((await api("/v1/password-resets/verify", { json: { token } })).status).toBe(200);
    clock.advance(24 * 3_600_000 + 1_000);
    expect((await api("/v1/password-resets", { json: { email: known }, env: limits })).status).toBe(202);
    expect((await mailTo(known)).length).toBe(11);
  });

  it("holds for simultaneous requests, and is configurable (resetEmailsPerAddress)", async () => {
    const email = uniqueEmail("capped-par");
    await createUser(email, strongPassword());
    const vars = {
      RATE_LIMITS: JSON.stringify({ resetPerEmail: "1000/15m", resetPerIp: "1000/15m", resetEmailsPerAddress: "3/1d" }),
    };
    // 40 at once: requests whose background work starts together are one (response-path.test.ts),
    // so these make 5 groups of 8, each wanting a unit; the cap gives 3.
    const answers = await Promise.all(
      manyIps(40).map((ip) => api("/v1/password-resets", { json: { email }, env: vars, ip })),
    );
    expect(answers.every((r) => r.status === 202)).toBe(true);
    expect((await mailTo(email)).length).toBe(3);
  });
});
