import { MESSAGES } from "../mail/templates/render";

/** Locales with a complete message catalogue. */
export const supportedLocales = (): string[] => Object.keys(MESSAGES);

function match(tag: string | null | undefined): string | null {
  if (!tag) return null;
  const t = tag.trim().toLowerCase().replace("_", "-");
  const supported = supportedLocales();
  if (supported.includes(t)) return t;
  const base = t.split("-")[0]!;
  return supported.includes(base) ? base : null;
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

/** Picks the locale: explicit -> user's stored locale -> Accept-Language -> client default -> en. */
export function negotiateLocale(opts: {
  explicit?: string | null;
  user?: string | null;
  acceptLanguage?: string | null;
  clientDefault?: string | null;
}): string {
  return (
    match(opts.explicit) ??
    match(opts.user) ??
    parseAcceptLanguage(opts.acceptLanguage).map(match).find(Boolean) ??
    match(opts.clientDefault) ??
    "en"
  );
}
