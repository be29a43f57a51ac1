import { describe, expect, it } from "vitest";
import { matchLocale, negotiateLocale, parseAcceptLanguage } from "../../src/domain/locale";

describe("locale negotiation", () => {
  it("orders Accept-Language by q-value, keeping header order on ties and dropping q=0 and *", () => {
    expect(parseAcceptLanguage("de;q=0.5, fr-CH, fr;q=0.9, en;q=0.9, *;q=0.1, ja;q=0")).toEqual([
      "fr-CH",
      "fr",
      "en",
      "de",
    ]);
    expect(parseAcceptLanguage("")).toEqual([]);
    expect(parseAcceptLanguage(null)).toEqual([]);
  });

  it("maps regional tags to the supported base language", () => {
    expect(matchLocale("pt-BR")).toBe("pt");
    expect(matchLocale("fr_CA")).toBe("fr");
    expect(matchLocale("NL")).toBe("nl");
    expect(matchLocale("zh-Hant")).toBeNull();
    expect(matchLocale("")).toBeNull();
  });

  it("prefers explicit -> user -> Accept-Language -> client default -> en", () => {
    const all = { explicit: "it", user: "ja", acceptLanguage: "de", clientDefault: "es" };
    expect(negotiateLocale(all)).toBe("it");
    expect(negotiateLocale({ ...all, explicit: null })).toBe("ja");
    expect(negotiateLocale({ ...all, explicit: null, user: null })).toBe("de");
    expect(negotiateLocale({ ...all, explicit: null, user: null, acceptLanguage: null })).toBe("es");
    expect(negotiateLocale({})).toBe("en");
  });

  it("skips unsupported values at every step", () => {
    expect(
      negotiateLocale({ explicit: "zz", user: "xx", acceptLanguage: "sv, pt-PT;q=0.5", clientDefault: "fr" }),
    ).toBe("pt");
    expect(negotiateLocale({ explicit: "klingon", clientDefault: "tlh" })).toBe("en");
  });

  it("takes the first supported entry of a ui_locales list", () => {
    expect(negotiateLocale({ explicit: "sv fr-CA en" })).toBe("fr");
    expect(negotiateLocale({ explicit: "sv,nl" })).toBe("nl");
  });
});
