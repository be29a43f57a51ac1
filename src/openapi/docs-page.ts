// The /docs page (public/docs/index.html, written by `npm run openapi`): Redoc, vendored under
// public/docs/vendor (scripts/vendor-redoc.mjs), renders /openapi.json in the browser. Served by
// Workers Static Assets with the CSP of public/_headers; no CDN, nothing in the Worker bundle.
// Without JavaScript the page still lists every operation and links the document.

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** The vendored Redoc bundle, as the page loads it (kept in step with scripts/vendor-redoc.mjs by a test). */
export const REDOC_SCRIPT = "/docs/vendor/redoc-2.5.4/redoc.standalone.js";

type Spec = { info: { title: string }; paths: Record<string, Record<string, { summary?: string }>> };

/** Renders the reference page for an OpenAPI document. */
export function renderDocsPage(doc: unknown): string {
  const spec = doc as Spec;
  const ops = Object.entries(spec.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(
      ([method, op]) => `<li><code>${method.toUpperCase()} ${esc(path)}</code> ${esc(op.summary ?? "")}</li>`,
    ),
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(spec.info.title)} API reference</title><link rel="stylesheet" href="/docs/style.css"></head>
<body>
<noscript><main><h1>${esc(spec.info.title)} API reference</h1>
<p>The interactive reference needs JavaScript. The machine-readable document: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
<ul>
${ops.join("\n")}
</ul></main></noscript>
<redoc spec-url="/openapi.json" expand-responses="all" required-props-first="true" json-sample-expand-level="all" hide-hostname="true"></redoc>
<script src="${REDOC_SCRIPT}"></script>
</body></html>
`;
}
