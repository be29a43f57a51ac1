import { html, type SafeHtml } from "../../html";
import type { PageKey } from "../../i18n/pages/en";
import { carriedFields, type Page, pageLink } from "./layout";

/** What sendPage needs from a view. */
export interface View {
  title: string;
  body: SafeHtml;
  head?: SafeHtml;
}

/** A text field with its label and, when invalid, an error it is described by (and focus on load). */
export function field(
  p: Page,
  opts: { id: string; label: PageKey; error?: string | null; attrs: SafeHtml; value?: string; focus?: boolean },
): SafeHtml {
  const err = opts.error ? `${opts.id}-error` : null;
  return html`<div class="field"><label for="${opts.id}">${p.t(opts.label)}</label>
<input id="${opts.id}" name="${opts.id}" ${opts.attrs} value="${opts.value ?? ""}"
${err ? html` aria-invalid="true" aria-describedby="${err}"` : ""}${opts.focus || err ? html` autofocus` : ""}>
${err ? html`<p id="${err}" class="error">${opts.error}</p>` : ""}</div>`;
}

const emailAttrs = html`type="email" autocomplete="username" required maxlength="254" spellcheck="false"`;
const codeAttrs = html`type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]{6}" maxlength="6" required`;

/** GET /forgot-password: the email form. */
export function forgotView(p: Page, opts: { csrf: string; email?: string; invalid?: boolean }): View {
  const { t } = p;
  return {
    title: t("forgot.title"),
    body: html`<h1>${t("forgot.title")}</h1>
<p>${t("forgot.intro", { product: p.product })}</p>
<form method="post" action="/forgot-password"><input type="hidden" name="csrf" value="${opts.csrf}">${carriedFields(p)}
${field(p, { id: "email", label: "email.label", attrs: emailAttrs, value: opts.email, error: opts.invalid ? t("email.invalid") : null, focus: true })}
<button type="submit">${t("forgot.submit")}</button></form>
<p><a href="${pageLink(p, "/reset-password/code")}">${t("code.link")}</a></p>`,
  };
}

/** After a request: the same neutral page whether or not the account exists, with the code form. */
export function sentView(p: Page, opts: { csrf: string; email: string; minutes: number }): View {
  const { t } = p;
  return {
    title: t("sent.title"),
    body: html`<h1>${t("sent.title")}</h1>
<p>${t("sent.body", { email: opts.email, product: p.product, minutes: opts.minutes })}</p>
<p class="muted">${t("sent.spam")} <a href="${pageLink(p, "/forgot-password")}">${t("sent.again")}</a></p>
<h2>${t("sent.codeTitle")}</h2>
<form method="post" action="/reset-password/code"><input type="hidden" name="csrf" value="${opts.csrf}">
${carriedFields(p)}<input type="hidden" name="email" value="${opts.email}">
${field(p, { id: "code", label: "code.label", attrs: codeAttrs })}
<button type="submit">${t("code.submit")}</button></form>`,
  };
}

/** GET /reset-password/code: email + 6-digit code, traded for a reset JWT on submit. */
export function codeView(
  p: Page,
  opts: { csrf: string; email?: string; emailError?: boolean; codeError?: "format" | "invalid" },
): View {
  const { t } = p;
  const codeError =
    opts.codeError === "format" ? t("code.format") : opts.codeError === "invalid" ? t("code.invalid") : null;
  return {
    title: t("code.title"),
    body: html`<h1>${t("code.title")}</h1>
<p>${t("code.intro")}</p>
<form method="post" action="/reset-password/code"><input type="hidden" name="csrf" value="${opts.csrf}">${carriedFields(p)}
${field(p, { id: "email", label: "email.label", attrs: emailAttrs, value: opts.email, error: opts.emailError ? t("email.invalid") : null, focus: !opts.email })}
${field(p, { id: "code", label: "code.label", attrs: codeAttrs, error: codeError, focus: !!opts.email && !opts.emailError })}
<button type="submit">${t("code.submit")}</button></form>
<p><a href="${pageLink(p, "/forgot-password")}">${t("sent.again")}</a></p>`,
  };
}

/** A titled message with a way back to the start (expired form, rate limit, bad parameters, errors). */
export function messageView(
  p: Page,
  title: PageKey,
  body: PageKey,
  vars: Record<string, string | number> = {},
  button: PageKey = "again",
): View {
  return {
    title: p.t(title),
    body: html`<h1>${p.t(title)}</h1>
<p>${p.t(body, vars)}</p>
<p><a class="button" href="${pageLink(p, "/forgot-password")}">${p.t(button)}</a></p>`,
  };
}

/** GET /not-me: one button that locks the account (the GET itself changes nothing). */
export function notMeView(p: Page, opts: { csrf: string; token: string }): View {
  const { t } = p;
  return {
    title: t("notme.title"),
    body: html`<h1>${t("notme.title")}</h1>
<p>${t("notme.intro", { product: p.product })}</p>
<form method="post" action="/not-me"><input type="hidden" name="csrf" value="${opts.csrf}">
<input type="hidden" name="token" value="${opts.token}">${carriedFields(p)}
<button type="submit">${t("notme.submit")}</button></form>`,
  };
}
