import { html as honoHtml, raw } from "hono/html";
import type { HtmlEscapedString } from "hono/utils/html";

// One escaping regime for the hosted pages and the email templates: hono/html escapes every value
// it interpolates (& < > " '), except markup it built itself or that raw() marks as ours.

/** Markup that is safe to emit as is. */
export type SafeHtml = HtmlEscapedString;

/** hono/html, typed as synchronous: none of our values is a Promise, so it never returns one. */
export const html = honoHtml as (strings: TemplateStringsArray, ...values: unknown[]) => SafeHtml;

/** Marks our own constant markup (CSS) as safe. Never pass request or client data. */
export const trusted = (s: string): SafeHtml => raw(s);
