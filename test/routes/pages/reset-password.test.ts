import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import en from "../../../public/i18n/pages/en.json";
import { getDb } from "../../../src/db/client";
import {
  adminHeaders,
  api,
  createUser,
  depsOverrides,
  mailTo,
  newClient,
  requestReset,
  resetMail,
  rows,
  strongPassword,
  uniqueEmail,
} from "../../helpers";
import { recordingD1 } from "../../helpers/d1";
import {
  expectSecurePage,
  formOf,
  heading,
  newSession,
  signIn,
  submit,
  userWithReset,
  visit,
} from "../../helpers/pages";

// GET/HEAD/POST /reset-password (src/routes/pages/reset-password.ts, reset-views.ts): the form, its
// result, the redirect after success and the page of a dead link.

const setRedirectUris = async (clientId: string, redirectUris: string[]) =>
  expect(
    (await api(`/v1/clients/${clientId}`, { method: "PATCH", json: { redirectUris }, headers: adminHeaders })).status,
  ).toBe(200);

describe("POST /reset-password without JavaScript", () => {
  it("answers with the result page, and the new password signs in", async () => {
    const { email, password, token } = await userWithReset();
    const s = newSession();
    const { html } = await visit(s, `/reset-password?token=${token}`);
    const fields = formOf(html, "/reset-password");
    expect(fields.token).toBe(token);
    const newPassword = strongPassword();
    const done = await submit(s, "/reset-password", { ...fields, password: newPassword, confirm: newPassword });
    expect(done.res.status).toBe(200);
    expectSecurePage(done.res, done.html);
    expect(heading(done.html)).toContain(en["done.title"]);
    expect(done.html).not.toContain("http-equiv");
    expect((await signIn(email, password)).status).toBe(401);
    expect((await signIn(email, newPassword)).status).toBe(200);
  });

  it("re-renders the form with every failed rule, marked for assistive technology, without consuming the link", async () => {
    const { token, email } = await userWithReset();
    const s = newSession();
    const fields = formOf((await visit(s, `/reset-password?token=${token}`)).html, "/reset-password");
    const local = email.split("@")[0]!;
    const bad = await submit(s, "/reset-password", { ...fields, password: `${local}`, confirm: `${local}` });
    expect(bad.res.status).toBe(400);
    expect(bad.html).toContain(en["err.PASSWORD_CONTAINS_EMAIL"]);
    expect(bad.html).toMatch(/<div id="summary" class="summary" role="alert"/);
    expect(bad.html).toMatch(
      /id="password"[^>]*aria-describedby="rules password-error strength"[^>]*aria-invalid="true"/,
    );
    expect(bad.html).toContain('<li data-rule="email" class="bad">');

    const mismatch = await submit(s, "/reset-password", {
      ...fields,
      password: strongPassword(),
      confirm: strongPassword(),
    });
    expect(mismatch.res.status).toBe(400);
    expect(mismatch.html).toMatch(/id="confirm"[^>]*aria-invalid="true"/);
    expect(mismatch.html).toContain(en["err.mismatch"]);

    const common = await submit(
      s,
      "/reset-password",
      { ...fields, password: "password123", confirm: "password123" },
      { Accept: "application/json" },
    );
    expect(common.res.status).toBe(400);
    expect(JSON.parse(common.html)).toEqual({
      ok: false,
      errors: [{ code: "PASSWORD_TOO_COMMON", message: en["err.PASSWORD_TOO_COMMON"] }],
    });

    const good = strongPassword();
    const json = await submit(
      s,
      "/reset-password",
      { ...fields, password: good, confirm: good },
      { Accept: "application/json" },
    );
    expect(JSON.parse(json.html)).toEqual({ ok: true, redirectUri: null });
    expect((await signIn(email, good)).status).toBe(200);
  });
});

describe("GET/HEAD /reset-password", () => {
  it("never consumes or spends anything, however often scanners fetch the link", async () => {
    const { email, token, code } = await userWithReset();
    for (let i = 0; i < 3; i++) {
      const get = await api(`/reset-password?token=${token}`);
      expect(get.status).toBe(200);
      const head = await api(`/reset-password?token=${token}`, { method: "HEAD" });
      expect(head.status).toBe(200);
      expect(await head.text()).toBe("");
      expect(head.headers.get("Content-Security-Policy")).toContain("frame-ancestors 'none'");
    }
    const [rr] = await rows<{
      consumed_at: number | null;
      invalidated_at: number | null;
      code_attempts: number;
      code_used_at: number | null;
    }>(
      "SELECT r.consumed_at, r.invalidated_at, r.code_attempts, r.code_used_at FROM reset_requests r JOIN users u ON u.id = r.user_id WHERE u.email = ?",
      email,
    );
    expect(rr).toEqual({ consumed_at: null, invalidated_at: null, code_attempts: 0, code_used_at: null });
    // Both the link and the code still work.
    expect((await api("/v1/password-resets/verify", { json: { email, code } })).status).toBe(200);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
  });

  it("shows the form with the rules of the client's policy and the masked account", async () => {
    const { clientId } = await newClient(adminHeaders, { passwordPolicy: { minLength: 12, requireDigit: true } });
    const { token, email } = await userWithReset({ clientId });
    const { html } = await visit(newSession(), `/reset-password?token=${token}`);
    expect(heading(html)).toBe(en["reset.title"]);
    expect(html).toContain(`${email[0]}***`);
    expect(html).not.toContain(email);
    expect(html).toContain(en["rule.min"].replace("{min}", "12"));
    expect(html).toContain(en["rule.digit"]);
    expect(html).not.toContain(en["rule.upper"]);
    expect(html).toContain(
      'data-policy="{&quot;min&quot;:12,&quot;max&quot;:256,&quot;upper&quot;:false,&quot;lower&quot;:false,&quot;digit&quot;:true,&quot;symbol&quot;:false}"',
    );
    expect(html).toMatch(/<label for="password">/);
    expect(html).toContain('autocomplete="new-password"');
    // The page's script (a static asset, loaded with the nonce) removes the token from the address bar.
    const src = /<script src="(\/assets\/page-\d+\.js)"/.exec(html)![1]!;
    const script = await (env as unknown as { ASSETS: Fetcher }).ASSETS.fetch(`https://reset.example.test${src}`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("history.replaceState");
    const css = /<link rel="stylesheet" href="(\/assets\/page-\d+\.css)"/.exec(html)![1]!;
    expect(
      (await (env as unknown as { ASSETS: Fetcher }).ASSETS.fetch(`https://reset.example.test${css}`)).status,
    ).toBe(200);
  });

  it("explains a dead link and offers a new one for the same client", async () => {
    const { clientId } = await newClient(adminHeaders, { name: "Dead Co" });
    const { token } = await userWithReset({ clientId });
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(
      200,
    );
    const used = await visit(newSession(), `/reset-password?token=${token}`);
    expect(used.res.status).toBe(410);
    expect(heading(used.html)).toBe(en["dead.title"]);
    expect(used.html).toContain(en["dead.TOKEN_USED"]);
    expect(used.html).toContain(`href="/forgot-password?client_id=${clientId}"`);
    expect(used.html).toContain("Dead Co");

    const bogus = await visit(newSession(), `/reset-password?token=${"A".repeat(43)}`);
    expect(bogus.res.status).toBe(400);
    expect(bogus.html).toContain(en["dead.INVALID_TOKEN"]);
    expect((await visit(newSession(), "/reset-password")).html).toContain(en["dead.INVALID_TOKEN"]);
  });
});

describe("redirect after success", () => {
  it("goes only to an allowlisted redirect URI", async () => {
    const target = "https://app.example/after-reset";
    const { clientId } = await newClient(adminHeaders, { redirectUris: [target] });
    const s = newSession();
    const refused = await visit(
      s,
      `/forgot-password?client_id=${clientId}&redirect_uri=${encodeURIComponent("https://evil.example/")}`,
    );
    expect(refused.res.status).toBe(400);
    expect(heading(refused.html)).toBe(en["invalid.title"]);

    const page = await visit(s, `/forgot-password?client_id=${clientId}&redirect_uri=${encodeURIComponent(target)}`);
    const fields = formOf(page.html, "/forgot-password");
    expect(fields).toMatchObject({ client_id: clientId, redirect_uri: target });
    const email = uniqueEmail("redir");
    await createUser(email, strongPassword());
    const tampered = await submit(s, "/forgot-password", { ...fields, email, redirect_uri: "https://evil.example/" });
    expect(tampered.res.status).toBe(400);
    expect(await mailTo(email)).toEqual([]);
    await submit(s, "/forgot-password", { ...fields, email });

    const { token } = await resetMail(email);
    const resetFields = formOf((await visit(s, `/reset-password?token=${token}`)).html, "/reset-password");
    const pw = strongPassword();
    const done = await submit(s, "/reset-password", { ...resetFields, password: pw, confirm: pw });
    expect(done.html).toContain(`<a id="continue" class="button" href="${target}">`);
    expect(done.html).toContain(`<noscript><meta http-equiv="refresh" content="5;url=${target}"></noscript>`);
    expect(done.html).toContain('data-redirect="https://app.example/after-reset"');
  });

  it("drops a redirect URI that left the allowlist after the request", async () => {
    const target = "https://app.example/gone";
    const { clientId } = await newClient(adminHeaders, { redirectUris: [target] });
    const { token } = await userWithReset({ clientId, redirectUri: target });
    await setRedirectUris(clientId, []);
    const s = newSession();
    const fields = formOf((await visit(s, `/reset-password?token=${token}`)).html, "/reset-password");
    const pw = strongPassword();
    const json = await submit(
      s,
      "/reset-password",
      { ...fields, password: pw, confirm: pw },
      { Accept: "application/json" },
    );
    expect(JSON.parse(json.html)).toEqual({ ok: true, redirectUri: null });
  });

  it("follows a stored redirect only while it exactly matches the allowlist, not a near miss of it", async () => {
    const done = "https://app.example.com/done";
    // Each was allowlisted when its reset was requested; then the allowlist became just `done`.
    const nearMisses = [
      `${done}/x`,
      `${done}X`,
      `${done}?a=1`,
      `${done}/`,
      "https://app.example.com/don",
      "https://APP.example.com/done",
      "https://app.example.com/Done",
      "https://app.example.com:443/done",
      "https://app.example.com.evil.example/done",
    ];
    const { clientId } = await newClient(adminHeaders, { redirectUris: [done, ...nearMisses] });
    const resets = [];
    for (const uri of [done, ...nearMisses]) {
      const email = uniqueEmail("stored");
      await createUser(email, strongPassword());
      resets.push({ uri, ...(await requestReset(email, { clientId, redirectUri: uri })) });
    }
    await setRedirectUris(clientId, [done]);

    for (const { uri, token } of resets) {
      const expected = uri === done ? done : null;
      const s = newSession();
      const form = await visit(s, `/reset-password?token=${token}`);
      expect(form.html.includes('<a id="continue"'), uri).toBe(expected !== null);
      const fields = formOf(form.html, "/reset-password");
      const pw = strongPassword();
      if (uri === nearMisses[0] || uri === done) {
        // The no-JavaScript result page: a link and a refresh only for the exact URI.
        const page = await submit(s, "/reset-password", { ...fields, password: pw, confirm: pw });
        expect(page.res.status, uri).toBe(200);
        expect(page.html.includes('<a id="continue"'), uri).toBe(expected !== null);
        expect(page.html.includes("http-equiv"), uri).toBe(expected !== null);
        expect(page.html, uri).toContain(`data-redirect="${expected ?? ""}"`);
      } else {
        const json = await submit(
          s,
          "/reset-password",
          { ...fields, password: pw, confirm: pw },
          { Accept: "application/json" },
        );
        expect(JSON.parse(json.html), uri).toEqual({ ok: true, redirectUri: expected });
      }
    }
  });
});

describe("GET/HEAD of the hosted pages never write, and the pages are rate-limited per network", () => {
  const freshIp = () => `198.18.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 1}`;

  it("writes no audit row (nor anything else) for dead or junk tokens, whatever tenant X-Client-Id names", async () => {
    const t = await newClient(adminHeaders);
    const used = await userWithReset();
    await api("/v1/password-resets/complete", { json: { token: used.token, newPassword: strongPassword() } });
    const count = async () => (await rows<{ n: number }>("SELECT COUNT(*) AS n FROM audit_events"))[0]!.n;
    const before = await count();
    const rec = recordingD1();
    depsOverrides.db = getDb(rec.db);
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(" ")));
    const tokens = ["junk", "a.b.c", "x".repeat(43), used.token, "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"];
    for (let i = 0; i < 25; i++) {
      const token = tokens[i % tokens.length]!;
      const method = i % 2 ? "HEAD" : "GET";
      const res = await api(`/reset-password?token=${encodeURIComponent(token)}`, {
        method,
        headers: { "X-Client-Id": t.clientId },
        ip: freshIp(),
      });
      expect([400, 410]).toContain(res.status);
    }
    delete depsOverrides.db;
    vi.restoreAllMocks();
    expect(await count()).toBe(before);
    // The refusals are counted where operators aggregate them: the request's one log line.
    const outcomes = lines.map((l) => JSON.parse(l) as { route?: string; outcome?: string }).filter((l) => l.route);
    expect(outcomes.filter((l) => l.outcome === "INVALID_TOKEN").length).toBeGreaterThanOrEqual(15);
    expect(outcomes.filter((l) => l.outcome === "TOKEN_USED").length).toBe(5);
    // Not one statement that writes: reads only.
    const statements = rec.calls.flatMap((c) => c.sql);
    expect(statements.length).toBeGreaterThan(0);
    for (const sql of statements) expect(sql.trimStart().toLowerCase()).toMatch(/^select/);
  });

  it("limits page views per network (pagesPerIp) with a page and Retry-After", async () => {
    const env = { RATE_LIMITS: JSON.stringify({ pagesPerIp: "4/15m" }) };
    const ip = `2001:db8:${Math.floor(Math.random() * 0xffff).toString(16)}:5::1`;
    const paths = ["/forgot-password", "/reset-password?token=junk", "/reset-password/code", "/forgot-password"];
    for (const p of paths) expect((await api(p, { env, ip })).status).toBeLessThan(429);
    // Another address of the same /64.
    const limited = await api("/forgot-password", { env, ip: ip.replace("::1", "::2") });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(limited.headers.get("Content-Type")).toContain("text/html");
    expect(heading(await limited.text())).toBe(en["rate.title"]);
    expect((await api("/forgot-password", { env, ip: freshIp() })).status).toBe(200);
  });
});
