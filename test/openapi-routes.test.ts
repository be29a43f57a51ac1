import { describe, expect, it } from "vitest";
import { createApp } from "../src/app";
import spec from "../src/openapi/openapi.gen.json";
import { api } from "./helpers";

/** Routes that are not part of the documented API (HTML pages and development tools). */
const UNDOCUMENTED = [/^\/dev\//, /^\/docs$/, /^\/openapi\.json$/, /^\/forgot-password$/, /^\/reset-password/];

describe("/openapi.json", () => {
  it("serves the generated document", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(spec);
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

  it("serves an API reference page at /docs", async () => {
    const res = await api("/docs");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("POST /v1/password-resets/complete");
  });
});
