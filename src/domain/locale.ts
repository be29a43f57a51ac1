/** Every locale with complete email and page messages; the i18n test fails if one misses a key. */
export const SUPPORTED_LOCALES = ["en", "fr", "de", "es", "pt", "it", "nl", "ja"] as const;

/** A locale we have messages for. */
export type Locale = (typeof SUPPORTED_LOCALES)[number];

/** Locales with a complete message catalogue. */
export const supportedLocales = (): string[] => [...SUPPORTED_LOCALES];

/** The supported locale a single tag stands for ("pt-BR" -> "pt", "fr_CA" -> "fr"), or null. */
export function matchLocale(tag: string | null | undefined): Locale | null {
  if (!tag) return null;
  const t = tag.trim().toLowerCase().replace(/_/g, "-");
  const base = t.split("-")[0]!;
  return (SUPPORTED_LOCALES as readonly string[]).includes(t)
    ? (t as Locale)
    : (SUPPORTED_LOCALES as readonly string[]).includes(base)
      ? (base as Locale)
      : null;
}

/** The first supported tag of a list such as OIDC `ui_locales` ("fr-CA en", space or comma separated). */
function matchList(list: string | null | undefined): Locale | null {
  return list
    ? (list
        .split(/[\s,]+/)
        .map(matchLocale)
        .find(Boolean) ?? null)
    : null;
}

/** Parses Accept-Language into tags ordered by q-value (ties keep header order); q=0 is excluded. */
export function parseAcceptLanguage(header: string | null | undefined): string[] {
  if (!header) return [];
  return header
    .split(",")
    .map((part, i) => {
      const [tag, ...params] = part.trim().split(";");
      const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)).find(Boolean);
      return { tag: tag!.trim(), q: q ? Number(q[1]) : 1, i };
    })
    .filter((x) => x.tag && x.tag !== "*" && x.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i)
    .map((x) => x.tag);
}

/**
 * Picks the locale: explicit (a request's `locale` or a page's `ui_locales`, which may list several)
 * -> the user's stored locale -> Accept-Language by q-value -> the client default -> en.
 */
export function negotiateLocale(opts: {
  explicit?: string | null;
  user?: string | null;
  acceptLanguage?: string | null;
  clientDefault?: string | null;
}): Locale {
  const { explicit, otherwise } = localeAroundUser(opts);
  return explicit ?? matchLocale(opts.user) ?? otherwise;
}

/**
 * negotiateLocale without the user's stored locale, for a choice made before the user is read: what
 * wins over it (the explicit request) and what applies without it (Accept-Language, the client
 * default, en). The request endpoint's lookup batch finishes the choice in SQL (src/db/reset-batch.ts).
 */
export function localeAroundUser(opts: {
  explicit?: string | null;
  acceptLanguage?: string | null;
  clientDefault?: string | null;
}): { explicit: Locale | null; otherwise: Locale } {
  return {
    explicit: matchList(opts.explicit),
    otherwise:
      parseAcceptLanguage(opts.acceptLanguage).map(matchLocale).find(Boolean) ??
      matchLocale(opts.clientDefault) ??
      "en",
  };
}
