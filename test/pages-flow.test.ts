import { describe, expect, it } from "vitest";
import { SUPPORTED_LOCALES } from "../src/domain/locale";
import { en } from "../src/i18n/pages/en";
import { PAGES as PAGE_MESSAGES } from "./helpers/catalogs";
import { api, createClient, createUser, mailTo, requestReset, resetMail, rows, strongPassword, uniqueEmail } from "./helpers";
import { expectSecurePage, formOf, heading, newSession, signIn, submit, userWithReset, visit } from "./helpers/pages";

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
    expect(bad.html).toMatch(/id="password"[^>]*aria-describedby="rules password-error strength"[^>]*aria-invalid="true"/);
    expect(bad.html).toContain('<li data-rule="email" class="bad">');

    const mismatch = await submit(s, "/reset-password", { ...fields, password: strongPassword(), confirm: strongPassword() });
    expect(mismatch.res.status).toBe(400);
    expect(mismatch.html).toMatch(/id="confirm"[^>]*aria-invalid="true"/);
    expect(mismatch.html).toContain(en["err.mismatch"]);

    const common = await submit(s, "/reset-password", { ...fields, password: "password123", confirm: "password123" }, { Accept: "application/json" });
    expect(common.res.status).toBe(400);
    expect(JSON.parse(common.html)).toEqual({ ok: false, errors: [{ code: "PASSWORD_TOO_COMMON", message: en["err.PASSWORD_TOO_COMMON"] }] });

    const good = strongPassword();
    const json = await submit(s, "/reset-password", { ...fields, password: good, confirm: good }, { Accept: "application/json" });
    expect(JSON.parse(json.html)).toEqual({ ok: true, redirectUri: null });
    expect((await signIn(email, good)).status).toBe(200);
  });
});

describe("forgot password and code pages", () => {
  it("shows the same neutral page for known and unknown addresses, and mails only the known one", async () => {
    const known = uniqueEmail("known");
    await createUser(known, strongPassword());
    const unknown = uniqueEmail("known");
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    const a = await submit(s, "/forgot-password", { ...fields, email: known });
    const b = await submit(s, "/forgot-password", { ...fields, email: unknown });
    expect([a.res.status, b.res.status]).toEqual([200, 200]);
    const normalize = (h: string, email: string) => h.replaceAll(email, "EMAIL").replace(/nonce(=")?[-'A-Za-z0-9_]{22,}/g, "N").replace(/value="\d+\.[0-9a-f]{64}"/, "CSRF");
    expect(normalize(a.html, known)).toBe(normalize(b.html, unknown));
    expect(heading(a.html)).toBe(en["sent.title"]);
    expect((await mailTo(known)).length).toBe(1);
    expect(await mailTo(unknown)).toEqual([]);
  });

  it("rejects an invalid address with an inline, escaped error", async () => {
    const s = newSession();
    const fields = formOf((await visit(s, "/forgot-password")).html, "/forgot-password");
    const { res, html } = await submit(s, "/forgot-password", { ...fields, email: '"><script>alert(1)</script>' });
    expect(res.status).toBe(400);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&quot;&gt;&lt;script&gt;");
    expect(html).toMatch(/id="email"[^>]*aria-invalid="true" aria-describedby="email-error"/);
    expect(html).toContain(en["email.invalid"]);
  });

  it("trades email + code for the same form, then completes", async () => {
    const { email, code } = await userWithReset();
    const s = newSession();
    const fields = formOf((await visit(s, "/reset-password/code")).html, "/reset-password/code");
    const wrong = await submit(s, "/reset-password/code", { ...fields, email, code: code === "000000" ? "111111" : "000000" });
    expect(wrong.res.status).toBe(400);
    expect(wrong.html).toContain(en["code.invalid"]);
    const form = await submit(s, "/reset-password/code", { ...fields, email, code: code! });
    expect(form.res.status).toBe(200);
    expect(heading(form.html)).toBe(en["reset.title"]);
    const resetFields = formOf(form.html, "/reset-password");
    expect(resetFields.token!.split(".")).toHaveLength(3);
    const pw = strongPassword();
    const done = await submit(s, "/reset-password", { ...resetFields, password: pw, confirm: pw });
    expect(heading(done.html)).toContain(en["done.title"]);
    expect((await signIn(email, pw)).status).toBe(200);
  });
});

describe("redirect after success", () => {
  it("goes only to an allowlisted redirect URI", async () => {
    const target = "https://app.example/after-reset";
    const clientId = await createClient({ redirectUris: [target] });
    const s = newSession();
    const refused = await visit(s, `/forgot-password?client_id=${clientId}&redirect_uri=${encodeURIComponent("https://evil.example/")}`);
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
    const clientId = await createClient({ redirectUris: [target] });
    const { token } = await userWithReset({ clientId, redirectUri: target });
    await rows("UPDATE clients SET redirect_uris = '[]' WHERE id = ?", clientId);
    const s = newSession();
    const fields = formOf((await visit(s, `/reset-password?token=${token}`)).html, "/reset-password");
    const pw = strongPassword();
    const json = await submit(s, "/reset-password", { ...fields, password: pw, confirm: pw }, { Accept: "application/json" });
    expect(JSON.parse(json.html)).toEqual({ ok: true, redirectUri: null });
  });
});

describe("page language and branding", () => {
  it("follows ui_locales, then the user's locale, then Accept-Language", async () => {
    expect(heading((await visit(newSession({ "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5" }), "/forgot-password")).html)).toBe(PAGE_MESSAGES.fr["forgot.title"]);
    const ja = await visit(newSession({ "Accept-Language": "fr" }), "/forgot-password?ui_locales=ja%20en");
    expect(ja.html).toContain('<html lang="ja">');
    expect(formOf(ja.html, "/forgot-password").ui_locales).toBe("ja");
    // A language picked explicitly on the page is the email's language too.
    const asked = uniqueEmail("ja");
    await createUser(asked, strongPassword());
    const jaSession = newSession({ "Accept-Language": "fr" });
    const form = formOf((await visit(jaSession, "/forgot-password?ui_locales=ja")).html, "/forgot-password");
    expect((await submit(jaSession, "/forgot-password", { ...form, email: asked })).html).toContain('<html lang="ja">');
    expect((await mailTo(asked))[0]!.subject).toMatch(/のパスワード再設定$/);

    const email = uniqueEmail("de");
    await api("/v1/users", { json: { email, password: strongPassword(), locale: "de" }, headers: { Authorization: "Bearer test-admin-key-0123456789" } });
    const { token } = await requestReset(email);
    expect((await visit(newSession({ "Accept-Language": "fr" }), `/reset-password?token=${token}`)).html).toContain('<html lang="de">');
  });

  it("brands the page per client and escapes every branding value", async () => {
    const clientId = await createClient({
      branding: {
        productName: "<script>alert(1)</script>Acme",
        logoUrl: "https://cdn.acme.example/logo.svg",
        accentColor: "red;}</style><script>alert(1)</script>",
        supportUrl: "javascript:alert(1)",
        footer: "<b>Acme</b> Inc.",
      },
    });
    const { res, html } = await visit(newSession(), `/forgot-password?client_id=${clientId}`);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;Acme");
    expect(html).toContain('<img src="https://cdn.acme.example/logo.svg"');
    expect(res.headers.get("Content-Security-Policy")).toContain("img-src 'self' https://cdn.acme.example;");
    expect(html).toContain(":root{--accent:#1f4fd1}");
    expect(html).not.toContain("javascript:");
    expect(html).toContain("&lt;b&gt;Acme&lt;/b&gt; Inc.");
  });
});

describe("page strings", () => {
  it("exist for every locale with exactly the keys and placeholders of en", () => {
    const placeholders = (v: string) => [...v.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    expect(Object.keys(PAGE_MESSAGES).sort()).toEqual([...SUPPORTED_LOCALES].sort());
    for (const locale of SUPPORTED_LOCALES) {
      const m = PAGE_MESSAGES[locale];
      expect(Object.keys(m).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [k, v] of Object.entries(en)) {
        const msg = m[k as keyof typeof en];
        expect(msg.trim(), `${locale}.${k}`).not.toBe("");
        expect(placeholders(msg), `${locale}.${k}`).toEqual(placeholders(v));
        if (locale !== "en") expect(msg, `${locale}.${k} is a copy of en`).not.toBe(v);
      }
    }
  });

  it.each(SUPPORTED_LOCALES)("renders every page in %s", async (locale) => {
    const { token } = await userWithReset();
    const s = newSession();
    for (const path of ["/forgot-password", `/reset-password?token=${token}`, "/reset-password/code", "/reset-password?token=x"]) {
      const { html } = await visit(s, `${path}${path.includes("?") ? "&" : "?"}ui_locales=${locale}`);
      expect(html).toContain(`<html lang="${locale}">`);
      const text = html.slice(html.indexOf("<main>"), html.indexOf("</main>")).replace(/data-[a-z]+="[^"]*"/g, "");
      expect(text).not.toMatch(/\{[A-Za-z]\w*\}/);
    }
  });
});
