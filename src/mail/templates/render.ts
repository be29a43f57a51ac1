import type { Branding } from "../../domain/client";
import { countryName, formatWhen } from "../../domain/device";
import { matchLocale } from "../../domain/locale";
import { html as h, type SafeHtml } from "../../html";
import type { MessageKey, Messages } from "../../i18n/mail/en";
import { format } from "../../i18n/translate";
import { headerSafe } from "../mailer";

export type TemplateName = "reset" | "admin_reset" | "password_changed";

export interface TemplateVars {
  product: string;
  name?: string | null;
  link?: string;
  code?: string;
  minutes?: number;
  codeMinutes?: number;
  hours?: number;
  /** When the password changed (epoch ms); shown in the reader's language. */
  when?: number;
  /** Country code of the request (Cloudflare `cf.country`), shown as a localized name. */
  country?: string | null;
  /** "Browser, OS" of the request (see describeDevice). */
  device?: string | null;
  /** The hosted "that wasn't me" page, which locks the account (password changed, admin reset). */
  notMeLink?: string;
}

/** True for URLs we put into an href: http(s) only (never javascript:, data: ...). */
export const isWebUrl = (u: string | null | undefined): u is string => !!u && /^https?:\/\/[^\s"'<>]+$/i.test(u);
const ACCENT_FALLBACK = "#1f4fd1";

/** A hex colour usable for a button with white text; too-light colours fall back (contrast ≥ 4.5:1). */
export function accentColor(input: string | undefined): string {
  const short = input && /^#[0-9a-fA-F]{3}$/.test(input) ? `#${[...input.slice(1)].map((c) => c + c).join("")}` : input;
  if (!short || !/^#[0-9a-fA-F]{6}$/.test(short)) return ACCENT_FALLBACK;
  const ch = [1, 3, 5]
    .map((i) => parseInt(short.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const lum = 0.2126 * ch[0]! + 0.7152 * ch[1]! + 0.0722 * ch[2]!;
  return 1.05 / (lum + 0.05) >= 4.5 ? short.toLowerCase() : ACCENT_FALLBACK;
}

// Inline styles (mail clients drop <style>), named once; hono/html escapes none of their characters.
const S = {
  p: "margin:0 0 16px",
  button:
    "display:inline-block;padding:12px 20px;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold",
  small: "margin:0 0 16px;font-size:13px;color:#555555",
  rawLink: "color:#1a1a1a;word-break:break-all",
  code: "margin:0 0 16px;font-size:28px;letter-spacing:6px;font-weight:bold;font-family:monospace",
  page: "margin:0;padding:0;background:#f4f5f7",
  card: "max-width:560px;background:#ffffff;border-radius:8px;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;color:#1a1a1a",
  footer: "padding:16px 32px;border-top:1px solid #e5e7eb;font-size:12px;color:#555555",
};

export interface Rendered {
  subject: string;
  html: string;
  text: string;
}

/**
 * Renders one template in one locale (with that locale's catalogue) as subject, table-based HTML and
 * plain text. Every value reaches the HTML through hono/html, which escapes it: branding and names
 * come from client configuration and users.
 */
export function renderEmail(
  name: TemplateName,
  locale: string,
  vars: TemplateVars,
  branding: Branding,
  m: Messages,
): Rendered {
  const lang = matchLocale(locale) ?? "en";
  const where = [countryName(vars.country, lang), vars.device].filter(Boolean).join(" · ");
  const values: Record<string, unknown> = {
    ...vars,
    when: vars.when === undefined ? "" : formatWhen(vars.when, lang),
    where,
  };
  const t = (k: MessageKey) => format(m[k], values);

  const blocks: { text: string; html: SafeHtml }[] = [];
  const para = (k: MessageKey) => blocks.push({ text: t(k), html: h`<p style="${S.p}">${t(k)}</p>` });
  const accent = accentColor(branding.accentColor);
  const button = (k: MessageKey, href: string) =>
    blocks.push({
      text: `${m[k]}:\n${href}`,
      html: h`<p style="${S.p}"><a href="${href}" style="background:${accent};${S.button}">${m[k]}</a></p>
<p style="${S.small}">${m.linkFallback}<br><a href="${href}" style="${S.rawLink}">${href}</a></p>`,
    });

  let subjectKey: MessageKey;
  if (name === "reset") {
    subjectKey = "reset.subject";
    para("reset.intro");
    button("reset.button", vars.link ?? "");
    para("reset.linkExpiry");
    if (vars.code) {
      blocks.push({
        text: `${m["reset.codeIntro"]} ${vars.code}`,
        html: h`<p style="margin:0 0 8px">${m["reset.codeIntro"]}</p><p style="${S.code}">${vars.code}</p>`,
      });
      para("reset.codeExpiry");
    }
    para("reset.ignore");
  } else if (name === "admin_reset") {
    subjectKey = "admin.subject";
    para("admin.intro");
    button("admin.button", vars.link ?? "");
    para("admin.linkExpiry");
    para("admin.ignore");
    if (vars.notMeLink) button("admin.notMe", vars.notMeLink);
  } else {
    subjectKey = "changed.subject";
    para("changed.intro");
    if (where) para("changed.where");
    para("changed.sessions");
    para("changed.notYou");
    if (vars.notMeLink) button("changed.button", vars.notMeLink);
  }

  // Branding comes from client configuration: escaped like any other value, and never a header line break.
  const subject = headerSafe(t(subjectKey));
  const greeting = vars.name ? t("greetingName") : m.greeting;
  const footer = branding.footer ?? t("footer");
  const support = isWebUrl(branding.supportUrl) ? branding.supportUrl : null;
  const logo = isWebUrl(branding.logoUrl)
    ? h`<img src="${branding.logoUrl}" alt="${vars.product}" height="32" style="display:block;border:0;height:32px">`
    : h`<strong style="font-size:18px">${vars.product}</strong>`;
  const supportHtml = support ? h`<br>${m.support} <a href="${support}" style="color:#555555">${support}</a>` : "";

  const body = h`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="color-scheme" content="light dark"><title>${subject}</title></head>
<body style="${S.page}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr>
<td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="${S.card}">
<tr><td style="padding:24px 32px 8px">${logo}</td></tr>
<tr><td style="padding:8px 32px 24px"><p style="${S.p}">${greeting}</p>${blocks.map((b) => b.html)}</td></tr>
<tr><td style="${S.footer}">${footer}${supportHtml}</td></tr>
</table></td></tr></table></body></html>`;
  const text = [
    greeting,
    "",
    ...blocks.flatMap((b) => [b.text, ""]),
    "--",
    footer,
    ...(support ? [`${m.support} ${support}`] : []),
  ].join("\n");
  return { subject, html: body.toString(), text };
}
