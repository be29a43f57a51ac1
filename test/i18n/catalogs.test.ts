import { describe, expect, it } from "vitest";
import { assetCatalogs } from "../../src/i18n/catalogs";
import { en } from "../../src/i18n/mail/en";

// The loader of the non-English catalogues (src/i18n/catalogs.ts). That the catalogue files are not
// served to the public (wrangler.toml [assets] run_worker_first) is checked against a real
// `wrangler dev` in test/e2e/assets.e2e.ts: only there does the platform's asset routing run.

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
    const { fetcher, asked } = fakeAssets({ "/i18n/mail/fr.json": { greeting: "Salut," } });
    const errors: string[] = [];
    const load = assetCatalogs(fetcher, (d) => errors.push(d));
    const fr = await load("mail", "fr", en);
    expect(fr.greeting).toBe("Salut,");
    expect(fr["reset.button"]).toBe(en["reset.button"]);
    await load("mail", "fr", en);
    expect(asked).toEqual(["/i18n/mail/fr.json"]);
    expect(await load("mail", "en", en)).toBe(en);
    expect(asked).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it("falls back to English (and says so in the log) when a file cannot be read, then retries", async () => {
    const { fetcher, asked } = fakeAssets({});
    const errors: string[] = [];
    const load = assetCatalogs(fetcher, (d) => errors.push(d));
    expect(await load("pages", "ja", en)).toEqual(en);
    expect(errors).toEqual(["catalogue pages/ja: HTTP 404"]);
    await load("pages", "ja", en);
    expect(asked).toHaveLength(2);
  });
});
