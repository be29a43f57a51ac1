import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { buildOpenApi } from "../../src/openapi/document";
import { server } from "./support";

// Static assets as the platform serves them (wrangler.toml [assets]), against the real `wrangler dev`
// of scripts/e2e-server.mjs: the workers project calls the Worker's fetch directly, so the asset
// routing in front of it (and run_worker_first) only runs here. No browser needed.

const publicFile = (path: string) => new URL(`../../public${path}`, import.meta.url);
const get = (path: string) => fetch(server.baseUrl + path, { redirect: "manual" });

describe("static assets behind a real wrangler dev", () => {
  it("keeps the message catalogues private: /i18n/* is answered by the Worker with a 404", async () => {
    for (const path of ["/i18n/mail/fr.json", "/i18n/pages/de.json", "/i18n/pages/en.json"]) {
      // The files are there (the Worker reads them through the ASSETS binding)...
      expect(existsSync(publicFile(path)), path).toBe(true);
      // ...but the public gets the Worker's own 404, not the file.
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("Content-Type"), path).toContain("application/problem+json");
      expect(((await res.json()) as { code: string }).code, path).toBe("NOT_FOUND");
    }
  });

  it("serves /openapi.json, /docs/ and the pages' stylesheet and script as files", async () => {
    const docs = await get("/docs/");
    expect(docs.status).toBe(200);
    expect(docs.headers.get("Content-Type")).toContain("text/html");
    expect(await docs.text()).toBe(readFileSync(publicFile("/docs/index.html"), "utf8"));

    const spec = await get("/openapi.json");
    expect(spec.status).toBe(200);
    expect(spec.headers.get("Content-Type")).toContain("application/json");

    // The assets a hosted page links to, exactly as committed.
    const page = await (await get("/forgot-password")).text();
    const css = /<link rel="stylesheet" href="(\/assets\/page-\d+\.css)"/.exec(page)?.[1];
    const js = /<script src="(\/assets\/page-\d+\.js)"/.exec(page)?.[1];
    for (const path of [css, js]) {
      expect(path).toBeTruthy();
      const res = await get(path!);
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe(readFileSync(publicFile(path!), "utf8"));
    }
  });

  it("serves the committed OpenAPI document, and it is the one the route schemas build today", async () => {
    const served = (await (await get("/openapi.json")).json()) as unknown;
    expect(served).toEqual(JSON.parse(readFileSync(publicFile("/openapi.json"), "utf8")));
    expect(served).toEqual(JSON.parse(JSON.stringify(buildOpenApi())));
  });
});
