import { Hono } from "hono/tiny";
import { devMail, devMessage, type DevMailRow as Row } from "../../flows/dev-mailbox";
import { html, trusted } from "../../html";
import type { AppEnv } from "../../http/context";
import { newNonce, pageHeaders } from "../../http/page-security";

/** The headers a provider would send for this message (the stored ones plus those implied by its fields). */
function headersOf(r: Row): [string, string][] {
  const lang = /<html lang="([a-z-]+)"/i.exec(r.html)?.[1];
  return [
    ["From", r.from],
    ["To", r.to],
    ["Subject", r.subject],
    ["Date", new Date(r.createdAt).toUTCString()],
    ["MIME-Version", "1.0"],
    ["Content-Type", "multipart/alternative (text/plain; charset=utf-8, text/html; charset=utf-8)"],
    ...(lang ? [["Content-Language", lang] as [string, string]] : []),
    ...Object.entries(JSON.parse(r.headers) as Record<string, string>),
  ];
}

/** What a captured message's frame may do: follow a link the reader clicks (top level or a new window), nothing else. */
const FRAME_SANDBOX = "allow-top-navigation-by-user-activation allow-popups allow-popups-to-escape-sandbox";

const CSS = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1a1a1a;background:#fff}
@media (prefers-color-scheme:dark){body{color:#eceef1;background:#16181c}a{color:#a8c1ff}}
article{border:1px solid #8a919b;border-radius:8px;padding:0 1rem 1rem;margin:1rem 0}h2{font-size:1.1rem}
iframe{width:100%;height:34rem;border:1px solid #8a919b;background:#fff}pre{white-space:pre-wrap;overflow-wrap:anywhere}
dl{display:grid;grid-template-columns:max-content 1fr;gap:0 .75rem;margin:0}dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}`;

/** GET /dev/mailbox(.json), /dev/mailbox/{id}/html: mail captured by the dev provider; 404 unless ENVIRONMENT=development. */
export const devMailboxRoutes = new Hono<AppEnv>()
  .get("/mailbox.json", async (c) => {
    const rows = await devMail(c.get("deps"), 100);
    return c.json({
      messages: rows.map((r) => ({
        ...r,
        headers: JSON.parse(r.headers) as Record<string, string>,
        createdAt: new Date(r.createdAt).toISOString(),
      })),
    });
  })
  .get("/mailbox/:id/html", async (c) => {
    const row = await devMessage(c.get("deps"), c.req.param("id"));
    // Email HTML needs inline styles; it runs no script, is sandboxed, and only the mailbox may frame it.
    // <base target="_top"> makes its links open in the window, as they would from a mail client.
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'; sandbox ${FRAME_SANDBOX}`,
    );
    c.header("Referrer-Policy", "no-referrer");
    return c.html(row.html.replace(/<head>/i, '<head><base target="_top">'));
  })
  .get("/mailbox", async (c) => {
    const rows = await devMail(c.get("deps"), 50);
    const nonce = newNonce();
    const items = rows.map(
      (r) => html`<article id="m-${r.id}" aria-labelledby="h-${r.id}"><h2 id="h-${r.id}">${r.subject}</h2>
<dl>${headersOf(r)
        .slice(0, 4)
        .map(([k, v]) => html`<dt>${k}</dt><dd>${v}</dd>`)}</dl>
<h3>HTML</h3><iframe sandbox="${FRAME_SANDBOX}" title="${r.subject}" src="/dev/mailbox/${encodeURIComponent(r.id)}/html"></iframe>
<details><summary>Text</summary><pre>${r.text}</pre></details>
<details><summary>Headers</summary><pre>${headersOf(r).map(([k, v]) => `${k}: ${v}\n`)}</pre></details></article>`,
    );
    for (const [k, v] of Object.entries(pageHeaders(nonce, null, ["frame-src 'self'"]))) c.header(k, v);
    return c.html(
      html`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>Dev mailbox · resetkit</title>
<style nonce="${nonce}">${trusted(CSS)}</style></head>
<body><main><h1>Dev mailbox</h1><p>${rows.length} message(s), newest first. JSON: <a href="/dev/mailbox.json">/dev/mailbox.json</a></p>
${items.length ? items : html`<p>No mail yet.</p>`}</main></body></html>`.toString(),
    );
  });
