import type { Branding } from "../../db/clients";
import { de } from "../i18n/de";
import { en, type MessageKey, type Messages } from "../i18n/en";
import { es } from "../i18n/es";
import { fr } from "../i18n/fr";

/** Every locale's messages; a locale lacking a key fails the i18n test. */
export const MESSAGES: Record<string, Messages> = { en, fr, de, es };

export type TemplateName = "reset" | "admin_reset" | "password_changed";

export interface TemplateVars {
  product: string;
  name?: string | null;
  link?: string;
  code?: string;
  minutes?: number;
  codeMinutes?: number;
  hours?: number;
  when?: string;
  where?: string | null;
  support?: string;
}

/** Escapes text for HTML element and attribute content. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function fill(template: string, vars: Record<string, unknown>, escape: (s: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => escape(String(vars[k] ?? "")));
}

const SAFE_URL = /^https?:\/\//i;
const ACCENT_FALLBACK = "#1f4fd1";

/** A hex colour usable for a button with white text; too-light colours fall back (contrast ≥ 4.5:1). */
export function accentColor(input: string | undefined): string {
  if (!input || !/^#[0-9a-fA-F]{6}$/.test(input)) return ACCENT_FALLBACK;
  const ch = [1, 3, 5].map((i) => parseInt(input.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
  return 1.05 / (lum + 0.05) >= 4.5 ? input.toLowerCase() : ACCENT_FALLBACK;
}

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

/** Renders one template in one locale as subject, table-based HTML and plain text. */
export function renderEmail(name: TemplateName, locale: string, vars: TemplateVars, branding: Branding): Rendered {
  const m = MESSAGES[locale] ?? en;
  const t = (k: MessageKey, esc: (s: string) => string) => fill(m[k], vars as unknown as Record<string, unknown>, esc);
  const plain = (s: string) => s;
  const greeting = vars.name ? t("greetingName", plain) : m.greeting;
  const greetingHtml = vars.name ? t("greetingName", escapeHtml) : escapeHtml(m.greeting);

  const blocks: { text: string; html: string }[] = [];
  const para = (k: MessageKey) => blocks.push({ text: t(k, plain), html: `<p style="margin:0 0 16px">${t(k, escapeHtml)}</p>` });
  const button = (k: MessageKey) => {
    const href = vars.link ?? "";
    blocks.push({
      text: `${m[k]}:\n${href}`,
      html: `<p style="margin:0 0 16px"><a href="${escapeHtml(href)}" style="display:inline-block;padding:12px 20px;background:${accentColor(branding.accentColor)};color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold">${escapeHtml(m[k])}</a></p>`,
    });
  };

  let subjectKey: MessageKey;
  if (name === "reset") {
    subjectKey = "reset.subject";
    para("reset.intro");
    button("reset.button");
    para("reset.linkExpiry");
    if (vars.code) {
      blocks.push({
        text: `${m["reset.codeIntro"]} ${vars.code}`,
        html: `<p style="margin:0 0 8px">${escapeHtml(m["reset.codeIntro"])}</p><p style="margin:0 0 16px;font-size:28px;letter-spacing:6px;font-weight:bold;font-family:monospace">${escapeHtml(vars.code)}</p>`,
      });
      para("reset.codeExpiry");
    }
    para("reset.ignore");
  } else if (name === "admin_reset") {
    subjectKey = "admin.subject";
    para("admin.intro");
    button("admin.button");
    para("admin.linkExpiry");
    para("admin.ignore");
  } else {
    subjectKey = "changed.subject";
    para("changed.intro");
    if (vars.where) para("changed.where");
    para("changed.sessions");
    para("changed.notYou");
  }

  const subject = t(subjectKey, plain).replace(/[\r\n]+/g, " ");
  const footer = branding.footer ?? fill(m.footer, vars as unknown as Record<string, unknown>, plain);
  const logo =
    branding.logoUrl && SAFE_URL.test(branding.logoUrl)
      ? `<img src="${escapeHtml(branding.logoUrl)}" alt="${escapeHtml(vars.product)}" height="32" style="display:block;border:0;height:32px">`
      : `<strong style="font-size:18px">${escapeHtml(vars.product)}</strong>`;

  const html = `<!doctype html>
<html lang="${escapeHtml(locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a">
<tr><td style="padding:24px 32px 8px">${logo}</td></tr>
<tr><td style="padding:8px 32px 24px"><p style="margin:0 0 16px">${greetingHtml}</p>${blocks.map((b) => b.html).join("")}</td></tr>
<tr><td style="padding:16px 32px;border-top:1px solid #e5e7eb;font-size:12px;color:#555555">${escapeHtml(footer)}</td></tr>
</table></td></tr></table></body></html>`;
  const text = [greeting, "", ...blocks.flatMap((b) => [b.text, ""]), "--", footer].join("\n");
  return { subject, html, text };
}
