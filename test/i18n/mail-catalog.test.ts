import { describe, expect, it } from "vitest";
import en from "../../public/i18n/mail/en.json";
import { SUPPORTED_LOCALES } from "../../src/domain/locale";
import { MAIL as MESSAGES } from "../helpers/catalogs";

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("email messages", () => {
  it("exist for every supported locale, with exactly the keys and placeholders of en", () => {
    expect(Object.keys(MESSAGES).sort()).toEqual([...SUPPORTED_LOCALES].sort());
    for (const locale of SUPPORTED_LOCALES) {
      const m = MESSAGES[locale];
      expect(Object.keys(m).sort(), locale).toEqual(Object.keys(en).sort());
      for (const [key, value] of Object.entries(en)) {
        const msg = m[key as keyof typeof en];
        expect(msg.trim().length, `${locale}.${key}`).toBeGreaterThan(0);
        expect(placeholders(msg), `${locale}.${key}`).toEqual(placeholders(value));
        if (locale !== "en") expect(msg, `${locale}.${key} is a copy of en`).not.toBe(value);
      }
    }
  });
});
