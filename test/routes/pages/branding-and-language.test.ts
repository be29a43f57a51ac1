import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SUPPORTED_LOCALES } from "../../../src/domain/locale";
import {
  adminHeaders,
  api,
  createUser,
  mailTo,
  newClient,
  requestReset,
  strongPassword,
  uniqueEmail,
} from "../../helpers";
import { PAGES as PAGE_MESSAGES } from "../../helpers/catalogs";
import { formOf, heading, newSession, submit, userWithReset, visit } from "../../helpers/pages";

// The language and the client's branding of every hosted page (src/routes/pages/layout.ts).

describe("page language and branding", () => {
  it("follows ui_locales, then the user's locale, then Accept-Language", async () => {
    expect(
      heading((await visit(newSession({ "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5" }), "/forgot-password")).html),
    ).toBe(PAGE_MESSAGES.fr["forgot.title"]);
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
    await api("/v1/users", { json: { email, password: strongPassword(), locale: "de" }, headers: adminHeaders });
    const { token } = await requestReset(email);
    expect((await visit(newSession({ "Accept-Language": "fr" }), `/reset-password?token=${token}`)).html).toContain(
      '<html lang="de">',
    );
  });

  it("brands the page per client and escapes every branding value", async () => {
    const { clientId } = await newClient(adminHeaders, { name: "Acme" });
    // Raw SQL on purpose: the admin API refuses this accent colour and this support URL, but a page
    // must stay safe whatever a row holds (an older version's data, a hand edit).
    const branding = {
      productName: "<script>alert(1)</script>Acme",
      logoUrl: "https://cdn.acme.example/logo.svg",
      accentColor: "red;}</style><script>alert(1)</script>",
      supportUrl: "javascript:alert(1)",
      footer: "<b>Acme</b> Inc.",
    };
    await env.DB.prepare("UPDATE clients SET branding = ? WHERE id = ?").bind(JSON.stringify(branding), clientId).run();
    const { res, html } = await visit(newSession(), `/forgot-password?client_id=${clientId}`);
    expect(html).not.toContain("<script>alert");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;Acme");
    expect(html).toContain('<img src="https://cdn.acme.example/logo.svg"');
    expect(res.headers.get("Content-Security-Policy")).toContain("img-src 'self' https://cdn.acme.example;");
    expect(html).toContain(":root{--accent:#1f4fd1}");
    expect(html).not.toContain("javascript:");
    expect(html).toContain("&lt;b&gt;Acme&lt;/b&gt; Inc.");
  });

  it.each(SUPPORTED_LOCALES)("renders every page in %s", async (locale) => {
    const { token } = await userWithReset();
    const s = newSession();
    for (const path of [
      "/forgot-password",
      `/reset-password?token=${token}`,
      "/reset-password/code",
      "/reset-password?token=x",
    ]) {
      const { html } = await visit(s, `${path}${path.includes("?") ? "&" : "?"}ui_locales=${locale}`);
      expect(html).toContain(`<html lang="${locale}">`);
      const text = html.slice(html.indexOf("<main>"), html.indexOf("</main>")).replace(/data-[a-z]+="[^"]*"/g, "");
      expect(text).not.toMatch(/\{[A-Za-z]\w*\}/);
    }
  });
});
