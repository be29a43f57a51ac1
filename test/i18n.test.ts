import { describe, expect, it } from "vitest";
import { negotiateLocale, supportedLocales } from "../src/domain/locale";
import { en } from "../src/mail/i18n/en";
import { MESSAGES, renderEmail } from "../src/mail/templates/render";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("email messages", () => {
  it("exist in at least en, fr, de and es", () => {
    expect(supportedLocales()).toEqual(expect.arrayContaining(["en", "fr", "de", "es"]));
  });

  it.each(Object.keys(MESSAGES))("%s has every key of en, no other, each non-empty with en's placeholders", (locale) => {
    const messages = MESSAGES[locale]! as Record<string, string>;
    expect(Object.keys(messages).sort()).toEqual(Object.keys(en).sort());
    for (const [key, english] of Object.entries(en)) {
      expect(messages[key]!.trim(), `${locale}.${key}`).not.toBe("");
      expect(placeholders(messages[key]!), `${locale}.${key}`).toEqual(placeholders(english));
    }
  });

  it.each(["fr", "de", "es"])("%s is translated, not a copy of en", (locale) => {
    const messages = MESSAGES[locale]! as Record<string, string>;
    for (const [key, english] of Object.entries(en)) expect(messages[key], `${locale}.${key}`).not.toBe(english);
  });

  it("renders a localized reset email, with the code and link, escaping the product name", () => {
    const vars = { product: "Acme <b>", link: "https://reset.example.test/reset-password?token=abc", code: "123456", minutes: 30, codeMinutes: 10 };
    const fr = renderEmail("reset", "fr", vars, {});
    expect(fr.subject).toBe("Réinitialisez votre mot de passe Acme <b>");
    expect(fr.html).toContain('<html lang="fr">');
    expect(fr.html).toContain("Acme &#60;b&#62;");
    expect(fr.text).toContain("expire dans 30 minutes");
    expect(fr.text).toContain("123456");
    expect(renderEmail("reset", "de", vars, {}).subject).toBe("Setzen Sie Ihr Passwort für Acme <b> zurück");
    expect(renderEmail("password_changed", "es", { ...vars, when: "x", support: "https://s" }, {}).subject).toBe("Se ha cambiado tu contraseña de Acme <b>");
  });

  it("negotiates region tags down to a supported language", () => {
    expect(negotiateLocale({ explicit: "fr-CA" })).toBe("fr");
    expect(negotiateLocale({ explicit: "de_AT" })).toBe("de");
    expect(negotiateLocale({ acceptLanguage: "it, es-MX;q=0.8" })).toBe("es");
    expect(negotiateLocale({ explicit: "it" })).toBe("en");
  });
});
