import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { en } from "../src/i18n/pages/en";
import { api, createClient, createUser, mailTo, rows, strongPassword, uniqueEmail } from "./helpers";
import { expectSecurePage, formOf, heading, newSession, signIn, submit, userWithReset, visit } from "./helpers/pages";

describe("hosted pages: security headers", () => {
  it("sends a strict CSP with a fresh nonce, no-referrer, no-store and nosniff on every page", async () => {
    const { token } = await userWithReset();
    const s = newSession();
    const pages = [
      await visit(s, "/forgot-password"),
      await visit(s, `/reset-password?token=${token}`),
      await visit(s, "/reset-password?token=nope"),
      await visit(s, "/reset-password/code"),
      await visit(s, "/forgot-password?client_id=no-such-client"),
      await submit(s, "/forgot-password", { email: "x@example.com", csrf: "1.bad" }),
    ];
    const nonces = pages.map(({ res, html }) => expectSecurePage(res, html));
    for (const { html } of pages) expect(html).toMatch(/<script src="\/assets\/page-\d+\.js" nonce="[^"]+"><\/script>/);
    expect(new Set(nonces).size).toBe(nonces.length);
    expect(pages.map((p) => p.res.status)).toEqual([200, 200, 400, 200, 400, 403]);
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
    const [rr] = await rows<{ consumed_at: number | null; invalidated_at: number | null; code_attempts: number; code_used_at: number | null }>(
      "SELECT r.consumed_at, r.invalidated_at, r.code_attempts, r.code_used_at FROM reset_requests r JOIN users u ON u.id = r.user_id WHERE u.email = ?",
      email,
    );
    expect(rr).toEqual({ consumed_at: null, invalidated_at: null, code_attempts: 0, code_used_at: null });
    // Both the link and the code still work.
    expect((await api("/v1/password-resets/verify", { json: { email, code } })).status).toBe(200);
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
  });

  it("shows the form with the rules of the client's policy and the masked account", async () => {
    const clientId = await createClient({ passwordPolicy: { minLength: 12, requireDigit: true } });
    const { token, email } = await userWithReset({ clientId });
    const { html } = await visit(newSession(), `/reset-password?token=${token}`);
    expect(heading(html)).toBe(en["reset.title"]);
    expect(html).toContain(`${email[0]}***`);
    expect(html).not.toContain(email);
    expect(html).toContain(en["rule.min"].replace("{min}", "12"));
    expect(html).toContain(en["rule.digit"]);
    expect(html).not.toContain(en["rule.upper"]);
    expect(html).toContain("data-policy=\"{&quot;min&quot;:12,&quot;max&quot;:256,&quot;upper&quot;:false,&quot;lower&quot;:false,&quot;digit&quot;:true,&quot;symbol&quot;:false}\"");
    expect(html).toMatch(/<label for="password">/);
    expect(html).toContain('autocomplete="new-password"');
    // The page's script (a static asset, loaded with the nonce) removes the token from the address bar.
    const src = /<script src="(\/assets\/page-\d+\.js)"/.exec(html)![1]!;
    const script = await (env as unknown as { ASSETS: Fetcher }).ASSETS.fetch(`https://reset.example.test${src}`);
    expect(script.status).toBe(200);
    expect(await script.text()).toContain("history.replaceState");
    const css = /<link rel="stylesheet" href="(\/assets\/page-\d+\.css)"/.exec(html)![1]!;
    expect((await (env as unknown as { ASSETS: Fetcher }).ASSETS.fetch(`https://reset.example.test${css}`)).status).toBe(200);
  });

  it("explains a dead link and offers a new one for the same client", async () => {
    const clientId = await createClient({ name: "Dead Co" });
    const { token } = await userWithReset({ clientId });
    expect((await api("/v1/password-resets/complete", { json: { token, newPassword: strongPassword() } })).status).toBe(200);
    const used = await visit(newSession(), `/reset-password?token=${token}`);
    expect(used.res.status).toBe(410);
    expect(heading(used.html)).toBe(en["dead.title"]);
    expect(used.html).toContain(en["dead.TOKEN_USED"]);
    expect(used.html).toContain(`href="/forgot-password?client_id=${clientId}"`);
    expect(used.html).toContain("Dead Co");

    const bogus = await visit(newSession(), "/reset-password?token=" + "A".repeat(43));
    expect(bogus.res.status).toBe(400);
    expect(bogus.html).toContain(en["dead.INVALID_TOKEN"]);
    expect((await visit(newSession(), "/reset-password")).html).toContain(en["dead.INVALID_TOKEN"]);
  });
});

describe("CSRF", () => {
  it("rejects posts without the cookie, with a forged or foreign token, or from another site", async () => {
    const { token, email } = await userWithReset();
    const s = newSession();
    const fields = formOf((await visit(s, `/reset-password?token=${token}`)).html, "/reset-password");
    const pw = strongPassword();
    const attempt = (f: Record<string, string>, extra: Record<string, string> = {}, session = s) => submit(session, "/reset-password", { ...f, password: pw, confirm: pw }, extra);

    expect((await attempt(fields, {}, newSession())).res.status).toBe(403); // no cookie
    expect((await attempt({ ...fields, csrf: fields.csrf!.replace(/.$/, (c) => (c === "0" ? "1" : "0")) })).res.status).toBe(403);
    expect((await attempt({ ...fields, csrf: "" })).res.status).toBe(403);
    expect((await attempt(fields, { Origin: "https://evil.example" })).res.status).toBe(403);
    expect((await attempt(fields, { "Sec-Fetch-Site": "cross-site" })).res.status).toBe(403);
    // A token minted for another reset does not carry over.
    const other = await userWithReset();
    const otherFields = formOf((await visit(s, `/reset-password?token=${other.token}`)).html, "/reset-password");
    expect((await attempt({ ...fields, csrf: otherFields.csrf! })).res.status).toBe(403);

    const rejected = await attempt(fields, { Origin: "https://evil.example" });
    expect(heading(rejected.html)).toBe(en["csrf.title"]);
    const json = await attempt(fields, { Origin: "https://evil.example", Accept: "application/json" });
    expect(JSON.parse(json.html)).toEqual({ ok: false, code: "CSRF_FAILED" });
    expect((await signIn(email, pw)).status).toBe(401);

    // The genuine post still works afterwards: nothing was consumed.
    expect((await attempt(fields)).res.status).toBe(200);
    expect((await signIn(email, pw)).status).toBe(200);
  });

  it("sends no email for a forgot-password post that fails the CSRF check", async () => {
    const email = uniqueEmail("csrf");
    await createUser(email, strongPassword());
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    expect((await submit(s, "/forgot-password", { ...fields, email }, { "Sec-Fetch-Site": "same-site" })).res.status).toBe(403);
    expect((await submit(newSession(), "/forgot-password", { ...fields, email })).res.status).toBe(403);
    expect(await mailTo(email)).toEqual([]);
  });
});

describe("dev mailbox", () => {
  it("shows each email rendered, with its text part and headers, under a nonce CSP", async () => {
    const { email } = await userWithReset();
    const [mail] = await mailTo(email);
    const box = await visit(newSession(), "/dev/mailbox");
    expect(box.res.status).toBe(200);
    expectSecurePage(box.res, box.html);
    expect(box.res.headers.get("Content-Security-Policy")).toContain("frame-src 'self'");
    expect(box.html).toContain(`src="/dev/mailbox/${mail!.id}/html"`);
    expect(box.html).toContain("Content-Language: en");
    expect(box.html).toContain(`Idempotency-Key: ${mail!.id}`);
    expect(box.html).toContain("Choose a new password:\nhttps://reset.example.test/reset-password?token=");

    const rendered = await api(`/dev/mailbox/${mail!.id}/html`);
    expect(rendered.headers.get("Content-Security-Policy")).toMatch(/frame-ancestors 'self'; sandbox /);
    expect(rendered.headers.get("Content-Security-Policy")).not.toContain("script-src");
    expect(await rendered.text()).toContain('<head><base target="_top">');
    expect((await api("/dev/mailbox/nope/html")).status).toBe(404);
    expect((await api(`/dev/mailbox/${mail!.id}/html`, { env: { ENVIRONMENT: "production", MAIL_PROVIDER: "resend" } })).status).toBe(404);
  });
});

describe("page errors", () => {
  it("keep the journey's client and language, e.g. on an expired or forged form", async () => {
    const clientId = await createClient({ branding: { productName: "Brandy" } });
    const s = newSession();
    const fields = formOf((await visit(s, `/forgot-password?client_id=${clientId}&ui_locales=de`)).html, "/forgot-password");
    const { res, html } = await submit(s, "/forgot-password", { ...fields, email: "a@example.com", csrf: "1.0" });
    expect(res.status).toBe(403);
    expect(html).toContain('<html lang="de">');
    expect(html).toContain("Brandy");
    expect(html).toContain(`href="/forgot-password?client_id=${clientId}&amp;ui_locales=de"`);
  });
});
