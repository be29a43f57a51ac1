import { desc } from "drizzle-orm";
import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { devMailbox } from "../../db/schema";
import { AppError } from "../../domain/errors";
import { escapeHtml } from "../../mail/templates/render";

/** GET /dev/mailbox(.json): mail captured by the dev provider; 404 unless ENVIRONMENT=development. */
export const devMailboxRoutes = new Hono<AppEnv>()
  .use(async (c, next) => {
    if (c.get("deps").config.environment !== "development") throw new AppError("NOT_FOUND");
    return next();
  })
  .get("/mailbox.json", async (c) => {
    const rows = await c.get("deps").db.select().from(devMailbox).orderBy(desc(devMailbox.createdAt)).limit(100).all();
    return c.json({
      messages: rows.map((r) => ({ ...r, headers: JSON.parse(r.headers) as Record<string, string>, createdAt: new Date(r.createdAt).toISOString() })),
    });
  })
  .get("/mailbox", async (c) => {
    const rows = await c.get("deps").db.select().from(devMailbox).orderBy(desc(devMailbox.createdAt)).limit(50).all();
    const items = rows
      .map(
        (r) => `<article><h2>${escapeHtml(r.subject)}</h2>
<p><b>To:</b> ${escapeHtml(r.to)} · <b>From:</b> ${escapeHtml(r.from)} · ${new Date(r.createdAt).toISOString()}</p>
<details open><summary>HTML</summary><iframe sandbox title="${escapeHtml(r.subject)}" srcdoc="${escapeHtml(r.html)}"></iframe></details>
<details><summary>Text</summary><pre>${escapeHtml(r.text)}</pre></details>
<details><summary>Headers</summary><pre>${escapeHtml(r.headers)}</pre></details></article>`,
      )
      .join("\n");
    c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'none'");
    return c.html(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Dev mailbox · resetkit</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}article{border:1px solid #ccc;border-radius:8px;padding:1rem;margin:1rem 0}iframe{width:100%;height:480px;border:1px solid #ddd}pre{white-space:pre-wrap}</style></head>
<body><h1>Dev mailbox</h1><p>${rows.length} message(s), newest first. JSON: <a href="/dev/mailbox.json">/dev/mailbox.json</a></p>${items || "<p>No mail yet.</p>"}</body></html>`);
  });
