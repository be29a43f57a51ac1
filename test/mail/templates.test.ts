import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { countryName, formatWhen } from "../../src/domain/device";
import { SUPPORTED_LOCALES } from "../../src/domain/locale";
import { html } from "../../src/html";
import { accentColor, renderEmail, type TemplateName, type TemplateVars } from "../../src/mail/templates/render";
import {
  adminHeaders,
  api,
  createUser,
  mailTo,
  newClient,
  requestReset,
  strongPassword,
  uniqueEmail,
} from "../helpers";
import { MAIL as MESSAGES } from "../helpers/catalogs";

const TEMPLATES: TemplateName[] = ["reset", "admin_reset", "password_changed"];
const WHEN = Date.UTC(2026, 10, 23, 13, 6);
const vars: TemplateVars = {
  product: "Acme",
  name: "Jane",
  link: "https://reset.example.test/reset-password?token=abc",
  code: "123456",
  minutes: 30,
  codeMinutes: 10,
  hours: 24,
  when: WHEN,
  country: "FR",
  device: "Chrome, Windows",
  notMeLink: "https://reset.example.test/not-me?token=xyz",
};

describe("email messages", () => {
  it.each(SUPPORTED_LOCALES.flatMap((l) => TEMPLATES.map((t) => [l, t] as const)))(
    "renders %s %s: subject, HTML and text",
    (locale, template) => {
      const r = renderEmail(template, locale, vars, {}, MESSAGES[locale]);
      const m = MESSAGES[locale];
      expect(r.subject).not.toMatch(/[\r\n{}]/);
      expect(r.subject).toContain("Acme");
      expect(r.html).toContain(`<html lang="${locale}">`);
      expect(r.html).toContain('role="presentation"');
      expect(r.html + r.text).not.toMatch(/\{\w+\}/);
      expect(r.text).toContain(m.greetingName.replace("{name}", "Jane"));
      if (template === "reset") {
        expect(r.text).toContain(vars.link);
        expect(r.text).toContain("123456");
        expect(r.html).toContain(html`${m["reset.button"]}`.toString());
        expect(r.text).toContain(m["reset.linkExpiry"].replace("{minutes}", "30"));
      } else if (template === "admin_reset") {
        expect(r.text).toContain(vars.link);
        expect(r.text).toContain(m["admin.linkExpiry"].replace("{hours}", "24"));
        expect(r.text).toContain(vars.notMeLink);
      } else {
        expect(r.text).toContain(formatWhen(WHEN, locale));
        expect(r.text).toContain(countryName("FR", locale)!);
        expect(r.text).toContain("Chrome, Windows");
        expect(r.text).toContain(m["changed.notYou"]);
        expect(r.text).toContain(vars.notMeLink);
      }
    },
  );
});

describe("email escaping and branding", () => {
  const evil = `<img src=x onerror=alert(1)>"'\``;

  it("escapes every user-controlled value in HTML and keeps CRLF out of the subject", () => {
    const r = renderEmail(
      "password_changed",
      "en",
      { ...vars, product: `Acme\r\nBcc: x@evil.example ${evil}`, name: evil, device: evil },
      { footer: evil },
      MESSAGES.en,
    );
    expect(r.html).not.toContain("<img src=x");
    expect(r.html).not.toContain(`"'\``);
    expect(r.html).toContain("&lt;img src=x onerror=alert(1)&gt;");
    expect(r.subject).not.toMatch(/[\r\n]/);
    expect(r.subject).toContain("Acme Bcc:");
  });

  it("uses the client's logo, accent colour, support URL and footer, rejecting unsafe ones", () => {
    const branded = renderEmail(
      "reset",
      "en",
      vars,
      {
        logoUrl: "https://cdn.example/logo.png",
        accentColor: "#0b6e4f",
        supportUrl: "https://help.example/reset",
        footer: "Acme Inc., 1 Main St",
      },
      MESSAGES.en,
    );
    expect(branded.html).toContain('<img src="https://cdn.example/logo.png" alt="Acme"');
    expect(branded.html).toContain("background:#0b6e4f");
    expect(branded.html).toContain('href="https://help.example/reset"');
    expect(branded.text).toContain("Need help? Contact support: https://help.example/reset");
    expect(branded.text).toContain("Acme Inc., 1 Main St");

    const unsafe = renderEmail(
      "reset",
      "en",
      vars,
      { logoUrl: "javascript:alert(1)", supportUrl: "javascript:alert(1)", accentColor: "#fafafa" },
      MESSAGES.en,
    );
    expect(unsafe.html).not.toContain("javascript:");
    expect(unsafe.html).toContain("<strong");
    expect(unsafe.html).toContain("background:#1f4fd1");
  });

  it("checks the accent colour's contrast against white text", () => {
    expect(accentColor("#000000")).toBe("#000000");
    expect(accentColor("#FFFF00")).toBe("#1f4fd1");
    expect(accentColor("#036")).toBe("#003366");
    expect(accentColor("red; background:url(x)")).toBe("#1f4fd1");
    expect(accentColor(undefined)).toBe("#1f4fd1");
  });
});

describe("email language through HTTP", () => {
  it("follows request locale, then the user's locale, then Accept-Language, then the client default", async () => {
    const { clientId } = await newClient(adminHeaders, { branding: { productName: "Acme" }, defaultLocale: "it" });
    const reset = (email: string, headers: Record<string, string> = {}, locale?: string) =>
      api("/v1/password-resets", { json: { email, clientId, ...(locale ? { locale } : {}) }, headers });
    const subjectTo = async (email: string) => (await mailTo(email))[0]!.subject;

    const a = uniqueEmail("fr");
    await createUser(a, strongPassword());
    expect((await reset(a, { "Accept-Language": "de" }, "fr-CA")).status).toBe(202);
    expect(await subjectTo(a)).toBe("Réinitialisez votre mot de passe Acme");

    const b = uniqueEmail("ja");
    expect((await api("/v1/users", { json: { email: b, locale: "ja" }, headers: adminHeaders })).status).toBe(201);
    await reset(b, { "Accept-Language": "de" });
    expect(await subjectTo(b)).toBe("Acme のパスワード再設定");

    const c = uniqueEmail("nl");
    await createUser(c, strongPassword());
    await reset(c, { "Accept-Language": "zz, nl-BE;q=0.8, de;q=0.5" });
    expect(await subjectTo(c)).toBe("Stel je wachtwoord voor Acme opnieuw in");

    const d = uniqueEmail("it");
    await createUser(d, strongPassword());
    await reset(d, { "Accept-Language": "sv" });
    expect(await subjectTo(d)).toBe("Reimposta la password di Acme");
  });

  it("says in the changed email when, from where and what to do", async () => {
    const email = uniqueEmail("changed");
    await createUser(email, strongPassword());
    const { token } = await requestReset(email, { locale: "de" });
    const res = await api("/v1/password-resets/complete", {
      json: { token, newPassword: strongPassword() },
      headers: {
        "User-Agent":
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) " +
          "Version/17.0 Safari/605.1.15",
      },
    });
    expect(res.status).toBe(200);
    const changed = (await mailTo(email)).find((m) => m.subject.includes("geändert"))!;
    expect(changed.text).toMatch(/wurde am \d{1,2}\. \w+ \d{4} um \d{2}:\d{2} \(UTC\) geändert/);
    expect(changed.text).toContain("Safari, macOS");
    expect(changed.text).toMatch(/https:\/\/reset\.example\.test\/not-me\?token=[\w-]{43}/);
  });
});

describe("branded sender", () => {
  it("sends from the client's name and address, and ignores an address that could inject headers", async () => {
    const { clientId: good } = await newClient(adminHeaders, {
      branding: {
        productName: "Acme",
        fromName: 'Acme "Support"\r\nBcc: x@evil.example',
        fromAddress: "help@example.com",
      },
    });
    const { clientId: bad } = await newClient(adminHeaders, { branding: { productName: "Acme" } });
    // Raw SQL: the API refuses this fromAddress (not an email address); the renderer must still
    // ignore it if one is stored (a row written before that validation, or by hand).
    const injecting = { productName: "Acme", fromAddress: "help@acme.example>\r\nBcc: x@evil.example" };
    await env.DB.prepare("UPDATE clients SET branding = ? WHERE id = ?").bind(JSON.stringify(injecting), bad).run();
    const a = uniqueEmail("from");
    await createUser(a, strongPassword());
    await requestReset(a, { clientId: good });
    const sent = (await mailTo(a))[0]!;
    expect(sent.from).toBe('"Acme Support Bcc: x@evil.example" <help@example.com>');
    expect(sent.subject).toBe("Reset your Acme password");

    const b = uniqueEmail("from");
    await createUser(b, strongPassword());
    await requestReset(b, { clientId: bad });
    const fallback = (await mailTo(b))[0]!;
    expect(fallback.from).not.toContain("evil");
    expect(fallback.from).not.toMatch(/[\r\n]/);
  });
});
