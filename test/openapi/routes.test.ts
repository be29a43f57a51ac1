import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import spec from "../../public/openapi.json";
import { createApp } from "../../src/app";

// public/openapi.json against the routes the app mounts. That the served /openapi.json is this file
// and is up to date is checked in test/e2e/assets.e2e.ts (served by a real `wrangler dev`) and
// test/node/openapi.test.ts (rebuilt from the route schemas).

/** Routes that are not part of the documented API (HTML pages and development tools). */
const UNDOCUMENTED = [/^\/dev\//, /^\/forgot-password$/, /^\/reset-password/, /^\/not-me$/];

const assets = (env as unknown as { ASSETS: Fetcher }).ASSETS;

describe("/openapi.json and /docs (static assets)", () => {
  it("serves the API reference page", async () => {
    const res = await assets.fetch("https://reset.example.test/docs/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("POST /v1/password-resets/complete");
  });

  it("documents every mounted route", () => {
    const documented = new Set<string>();
    for (const [path, methods] of Object.entries(spec.paths as Record<string, object>)) {
      for (const m of Object.keys(methods)) documented.add(`${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`);
    }
    const mounted = createApp()
      .routes.filter((r) => r.method !== "ALL" && !UNDOCUMENTED.some((re) => re.test(r.path)))
      .map((r) => `${r.method} ${r.path.replace(/\/$/, "") || "/"}`);
    expect(mounted.length).toBeGreaterThan(5);
    for (const route of mounted) expect(documented, route).toContain(route);
  });
});
