import { AppError } from "../domain/errors";
import type { Locale } from "../domain/locale";
import type { Messages } from "./mail/en";
import type { PageMessages } from "./pages/en";

/** Each catalogue by where it is used; English (public/i18n/<kind>/en.json) defines the keys. */
export interface Catalogs {
  mail: Messages;
  pages: PageMessages;
}
export type CatalogKind = keyof Catalogs;

/** Returns the messages of one locale, falling back to English for anything missing. */
export type CatalogLoader = <K extends CatalogKind>(kind: K, locale: Locale) => Promise<Catalogs[K]>;

// Catalogues never change within a deployment, so each isolate keeps each one once read. The cache
// holds what was read, never a pending read: a request must not await I/O another request started
// (workerd cancels that I/O when its own request ends, and the waiter would never be answered).
const cache = new WeakMap<Fetcher, Map<string, Record<string, string>>>();

/**
 * Catalogue loader: every locale, English included, is a JSON file under public/i18n, read through
 * the Workers Static Assets binding once per isolate (a warm isolate answers from memory). Kept out
 * of the script on purpose: bundled, the non-English ones alone would cost ~13 KiB gzip of every cold
 * start (DESIGN §9).
 * Another locale is laid over English and fetched alongside it. When its file cannot be read the page
 * or email is still produced, in English, and the failure is logged; without English (deployed with
 * the script, so as unlikely as the script missing) the request fails with SERVICE_UNAVAILABLE,
 * logged too, and the next one tries again.
 */
export function assetCatalogs(assets: Fetcher | undefined, onError: (detail: string) => void): CatalogLoader {
  const read = async (path: string): Promise<Record<string, string>> => {
    try {
      if (!assets) throw new Error("no ASSETS binding");
      const files = cache.get(assets) ?? new Map<string, Record<string, string>>();
      cache.set(assets, files);
      const known = files.get(path);
      if (known) return known;
      const res = await assets.fetch(`https://assets.invalid/i18n/${path}.json`);
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const messages = (await res.json()) as Record<string, string>;
      files.set(path, messages);
      return messages;
    } catch (e) {
      onError(`catalogue ${path}: ${e instanceof Error ? e.message : "unreadable"}`);
      throw e;
    }
  };
  return async (kind, locale) => {
    const english = read(`${kind}/en`);
    const own = locale === "en" ? null : read(`${kind}/${locale}`).catch(() => null);
    const [base, messages] = await Promise.all([
      english.catch(() => {
        throw new AppError("SERVICE_UNAVAILABLE");
      }),
      own,
    ]);
    return (messages ? { ...base, ...messages } : base) as Catalogs[typeof kind];
  };
}
