import type { Locale } from "../domain/locale";

/** Where a catalogue is used; each has its own English source (src/i18n/mail/en.ts, src/i18n/pages/en.ts). */
export type CatalogKind = "mail" | "pages";

/** Returns the messages of one locale, falling back to English for anything missing. */
export type CatalogLoader = <T extends Record<string, string>>(
  kind: CatalogKind,
  locale: Locale,
  english: T,
) => Promise<T>;

// Catalogues never change within a deployment, so each isolate fetches each one once.
const cache = new WeakMap<Fetcher, Map<string, Promise<Record<string, string>>>>();

/**
 * Catalogue loader: English is bundled; the other locales are JSON files under public/i18n, read
 * through the Workers Static Assets binding. Kept out of the script on purpose: bundled, they would
 * cost ~13 KiB gzip of every cold start (DESIGN §9) to serve the few requests that need them. When
 * a file cannot be read the page or email is still produced, in English, and the failure is logged.
 */
export function assetCatalogs(assets: Fetcher | undefined, onError: (detail: string) => void): CatalogLoader {
  return async (kind, locale, english) => {
    if (locale === "en" || !assets) return english;
    const files = cache.get(assets) ?? new Map<string, Promise<Record<string, string>>>();
    cache.set(assets, files);
    const path = `${kind}/${locale}`;
    let load = files.get(path);
    if (!load) {
      load = assets.fetch(`https://assets.invalid/i18n/${path}.json`).then(async (res) => {
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        return (await res.json()) as Record<string, string>;
      });
      files.set(path, load);
      load.catch(() => files.delete(path));
    }
    try {
      return { ...english, ...(await load) };
    } catch (e) {
      onError(`catalogue ${path}: ${e instanceof Error ? e.message : "unreadable"}`);
      return english;
    }
  };
}
