import type { Context } from "hono";
import type { Deps } from "../../deps";
import type { Branding, Client } from "../../domain/client";
import { type Locale, negotiateLocale } from "../../domain/locale";
import { html, type SafeHtml } from "../../html";
import type { AppEnv } from "../../http/context";
import { ensureCsrfCookie, newNonce, pageHeaders } from "../../http/page-security";
import type { PageKey, PageMessages } from "../../i18n/pages/en";
import { type Translate, translator } from "../../i18n/translate";
import { accentColor, isWebUrl } from "../../mail/templates/render";

/** Everything a view needs for one response: language, branding, nonce, CSRF cookie, carried parameters. */
export interface Page {
  c: Context<AppEnv>;
  deps: Deps;
  locale: Locale;
  t: Translate<PageKey>;
  /** The catalogue behind `t` (English keys, this locale's words). */
  messages: PageMessages;
  nonce: string;
  /** The browser's CSRF cookie id (forms are bound to it). */
  cookie: string;
  client: Client | null;
  product: string;
  branding: Branding;
  /** Parameters every link and form of the journey carries on (client, explicit language, redirect). */
  carry: Record<string, string>;
}

/** Builds the page context: locale by explicit ui_locales -> user -> Accept-Language -> client default -> en. */
export async function openPage(
  c: Context<AppEnv>,
  opts: { client: Client | null; uiLocales?: string | null; userLocale?: string | null; redirectUri?: string | null },
): Promise<Page> {
  const deps = c.get("deps");
  const { client } = opts;
  const locale = negotiateLocale({
    explicit: opts.uiLocales,
    user: opts.userLocale,
    acceptLanguage: deps.meta.acceptLanguage,
    clientDefault: client?.defaultLocale,
  });
  const carry: Record<string, string> = {};
  if (client && client.id !== deps.config.defaultClientId) carry.client_id = client.id;
  if (opts.uiLocales) carry.ui_locales = locale;
  if (opts.redirectUri) carry.redirect_uri = opts.redirectUri;
  const branding = client?.branding ?? {};
  const messages = await deps.catalog("pages", locale);
  return {
    c,
    deps,
    locale,
    t: translator(messages),
    messages,
    nonce: newNonce(),
    cookie: ensureCsrfCookie(c, deps),
    client,
    product: branding.productName ?? client?.name ?? "resetkit",
    branding,
    carry,
  };
}

/** A same-site link carrying the journey's parameters (plus `extra`). */
export function pageLink(p: Page, path: string, extra: Record<string, string> = {}): string {
  const q = new URLSearchParams({ ...p.carry, ...extra }).toString();
  return q ? `${path}?${q}` : path;
}

/** Hidden inputs carrying the journey's parameters into a form post. */
export const carriedFields = (p: Page): SafeHtml =>
  html`${Object.entries(p.carry).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}`;

/**
 * The pages' script and stylesheet are static assets (public/assets), not part of the Worker
 * bundle; their names carry this version so they can be cached for good. Bump it with the files.
 */
const PAGE_ASSETS = "/assets/page-1";

/** Sends a full HTML page with the security headers of every hosted page. */
export function sendPage(p: Page, status: number, view: { title: string; body: SafeHtml; head?: SafeHtml }): Response {
  const { branding, nonce } = p;
  const logo = isWebUrl(branding.logoUrl) ? branding.logoUrl : null;
  const support = isWebUrl(branding.supportUrl) ? branding.supportUrl : null;
  const footer =
    support || branding.footer
      ? html`<footer>${support ? html`<p><a href="${support}">${p.t("support")}</a></p>` : ""}${
          branding.footer ? html`<p>${branding.footer}</p>` : ""
        }</footer>`
      : "";
  const page = html`<!doctype html>
<html lang="${p.locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><meta name="robots" content="noindex">
<title>${view.title} · ${p.product}</title>
<link rel="stylesheet" href="${PAGE_ASSETS}.css" nonce="${nonce}">
<style nonce="${nonce}">:root{--accent:${accentColor(branding.accentColor)}}</style>${view.head ?? ""}</head>
<body><main>
<p class="brand">${logo ? html`<img src="${logo}" alt="${p.product}">` : p.product}</p>
${view.body}
</main>
${footer}
<script src="${PAGE_ASSETS}.js" nonce="${nonce}"></script>
</body></html>`;
  const headers = pageHeaders(nonce, logo ? new URL(logo).origin : null);
  for (const [k, v] of Object.entries(headers)) p.c.header(k, v);
  return p.c.html(page.toString(), status as 200);
}
