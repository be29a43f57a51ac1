import { describe, expect, it } from "vitest";
import en from "../../public/i18n/mail/en.json";
import pagesEn from "../../public/i18n/pages/en.json";
import { AppError } from "../../src/domain/errors";
import { assetCatalogs } from "../../src/i18n/catalogs";

// The loader of the message catalogues (src/i18n/catalogs.ts), English included. That the catalogue
// files are not served to the public (wrangler.toml [assets] run_worker_first) is checked against a
// real `wrangler dev` in test/e2e/assets.e2e.ts: only there does the platform's asset routing run.

/** A stand-in for the ASSETS binding that counts what it is asked for. */
function fakeAssets(files: Record<string, unknown>) {
  const asked: string[] = [];
  const fetcher = {
    async fetch(input: RequestInfo | URL) {
      const path = new URL(typeof input === "string" || input instanceof URL ? input : input.url).pathname;
      asked.push(path);
      return path in files ? Response.json(files[path]) : new Response("not found", { status: 404 });
    },
  } as unknown as Fetcher;
  return { fetcher, asked };
}

describe("message catalogues from static assets", () => {
  it("reads a locale once per isolate and fills keys it lacks from English", async () => {
    const { fetcher, asked } = fakeAssets({ "/i18n/mail/en.json": en, "/i18n/mail/fr.json": { greeting: "Salut," } });
    const errors: string[] = [];
    const load = assetCatalogs(fetcher, (d) => errors.push(d));
    const fr = await load("mail", "fr");
    expect(fr.greeting).toBe("Salut,");
    expect(fr["reset.button"]).toBe(en["reset.button"]);
    await load("mail", "fr");
    expect(asked.sort()).toEqual(["/i18n/mail/en.json", "/i18n/mail/fr.json"]);
    expect(await load("mail", "en")).toEqual(en);
    expect(asked).toHaveLength(2);
    expect(errors).toEqual([]);
  });

  it("falls back to English (and says so in the log) when a file cannot be read, then retries", async () => {
    const { fetcher, asked } = fakeAssets({ "/i18n/pages/en.json": pagesEn });
    const errors: string[] = [];
    const load = assetCatalogs(fetcher, (d) => errors.push(d));
    expect(await load("pages", "ja")).toEqual(pagesEn);
    expect(errors).toEqual(["catalogue pages/ja: HTTP 404"]);
    await load("pages", "ja");
    expect(asked.filter((p) => p === "/i18n/pages/ja.json")).toHaveLength(2);
    expect(asked.filter((p) => p === "/i18n/pages/en.json")).toHaveLength(1);
  });

  it("without English answers SERVICE_UNAVAILABLE (logged), and the next call tries again", async () => {
    const { fetcher, asked } = fakeAssets({ "/i18n/mail/fr.json": { greeting: "Salut," } });
    const errors: string[] = [];
    const load = assetCatalogs(fetcher, (d) => errors.push(d));
    for (const locale of ["en", "fr"] as const) {
      const err = await load("mail", locale).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect((err as AppError).code).toBe("SERVICE_UNAVAILABLE");
    }
    expect(errors).toEqual(["catalogue mail/en: HTTP 404", "catalogue mail/en: HTTP 404"]);
    expect(asked.filter((p) => p === "/i18n/mail/en.json")).toHaveLength(2);
    expect(await assetCatalogs(undefined, (d) => errors.push(d))("mail", "en").catch((e: unknown) => e)).toBeInstanceOf(
      AppError,
    );
    expect(errors.at(-1)).toBe("catalogue mail/en: no ASSETS binding");
  });
});
