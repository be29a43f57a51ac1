import { Hono } from "hono";
import type { AppEnv } from "../http/context";
import { escapeHtml } from "../mail/templates/render";
import spec from "../openapi/openapi.gen.json";

type Op = { summary?: string; description?: string; tags?: string[]; security?: unknown[]; responses?: Record<string, { description?: string }> };

// Rendered once per isolate from the static document: no client-side script, no CDN.
let page: string | undefined;
function render(): string {
  const rows: string[] = [];
  for (const [path, methods] of Object.entries(spec.paths as Record<string, Record<string, Op>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${status}</code> ${escapeHtml(r.description ?? "")}</li>`)
        .join("");
      rows.push(`<section><h3><code>${method.toUpperCase()} ${escapeHtml(path)}</code></h3><p>${escapeHtml(op.summary ?? "")}${op.security?.length ? " <em>(authenticated)</em>" : ""}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}<ul>${responses}</ul></section>`);
    }
  }
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>resetkit API reference</title>
<style>body{font-family:system-ui,sans-serif;max-width:920px;margin:2rem auto;padding:0 1rem;line-height:1.5}section{border-top:1px solid #ddd;padding:.5rem 0}code{background:#f3f3f3;padding:0 .2em}@media (prefers-color-scheme:dark){body{background:#111;color:#eee}code{background:#222}}</style></head>
<body><h1>resetkit API reference</h1><p>${escapeHtml(spec.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>${rows.join("\n")}</body></html>`;
}

/** GET /openapi.json (generated at build time from the route schemas) and GET /docs. */
export const docsRoutes = new Hono<AppEnv>()
  .get("/openapi.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(spec);
  })
  .get("/docs", (c) => {
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'");
    c.header("Cache-Control", "public, max-age=300");
    return c.html((page ??= render()));
  });
