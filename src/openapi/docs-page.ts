// The /docs API reference, rendered at build time from the OpenAPI document: static HTML, no
// script, no CDN (served as an asset; never part of the Worker bundle).

const esc = (s: string) => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

type Op = {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: unknown[];
  responses?: Record<string, { description?: string }>;
};
type Spec = { info: { description: string }; paths: Record<string, Record<string, Op>> };

/** Renders the reference page for an OpenAPI document. */
export function renderDocsPage(doc: unknown): string {
  const spec = doc as Spec;
  const byTag = new Map<string, string[]>();
  for (const [path, methods] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${status}</code> ${esc(r.description ?? "")}</li>`)
        .join("");
      const tag = op.tags?.[0] ?? "Other";
      const html = `<section><h3><code>${method.toUpperCase()} ${esc(path)}</code></h3><p>${esc(op.summary ?? "")}${op.security?.length ? " <em>(authenticated)</em>" : ""}</p>${op.description ? `<p>${esc(op.description)}</p>` : ""}<ul>${responses}</ul></section>`;
      byTag.set(tag, [...(byTag.get(tag) ?? []), html]);
    }
  }
  const body = [...byTag].map(([tag, ops]) => `<h2>${esc(tag)}</h2>\n${ops.join("\n")}`).join("\n");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>resetkit API reference</title>
<link rel="stylesheet" href="/docs/style.css"></head>
<body><main><h1>resetkit API reference</h1><p>${esc(spec.info.description)} Machine-readable: <a href="/openapi.json">/openapi.json</a> (OpenAPI 3.1).</p>
${body}</main></body></html>
`;
}
