import { describe, expect, it } from "vitest";
import en from "../../public/i18n/pages/en.json";
import { SUPPORTED_LOCALES } from "../../src/domain/locale";
import { PAGES as PAGE_MESSAGES } from "../helpers/catalogs";

// The hosted pages' strings (public/i18n/pages/*.json; en defines the keys).

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
});
