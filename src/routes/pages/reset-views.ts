import type { PasswordPolicy } from "../../domain/password-policy";
import { html, type SafeHtml } from "../../html";
import type { PageKey } from "../../i18n/pages/en";
import { carriedFields, type Page, pageLink } from "./layout";
import type { View } from "./views";

/** A failed rule as the page shows it ("mismatch" = the confirmation differs). */
export interface RuleError {
  code: string;
  message: string;
}

/** Localized message of a policy code; codes we have no sentence for (a future rule) get a generic one. */
export function ruleMessage(p: Page, code: string, policy: PasswordPolicy): string {
  const key = (code === "mismatch" ? "err.mismatch" : `err.${code}`) as PageKey;
  return p.t(key in p.messages ? key : "err.other", { min: policy.minLength, max: policy.maxLength });
}

// The list shown up front; `data-rule` ties each item to the script's live check and the server's code.
const RULES: [string, PageKey, keyof PasswordPolicy | null, string][] = [
  ["min", "rule.min", null, "PASSWORD_TOO_SHORT"],
  ["upper", "rule.upper", "requireUpper", "PASSWORD_MISSING_UPPERCASE"],
  ["lower", "rule.lower", "requireLower", "PASSWORD_MISSING_LOWERCASE"],
  ["digit", "rule.digit", "requireDigit", "PASSWORD_MISSING_DIGIT"],
  ["symbol", "rule.symbol", "requireSymbol", "PASSWORD_MISSING_SYMBOL"],
  ["common", "rule.common", null, "PASSWORD_TOO_COMMON"],
  ["email", "rule.email", null, "PASSWORD_CONTAINS_EMAIL"],
  ["reuse", "rule.reuse", null, "PASSWORD_REUSED"],
];

/** The new-password form (link or code path), with the rules up front and any errors of the last post. */
export function resetView(
  p: Page,
  opts: {
    csrf: string;
    token: string;
    /** The product's proof of the user's second factor, carried to completion (README: Step-up). */
    stepUpToken?: string;
    email: string;
    policy: PasswordPolicy;
    hasPassword: boolean;
    errors?: RuleError[];
    redirectUri: string | null;
  },
): View {
  const { t } = p;
  const { policy } = opts;
  const errors = opts.errors ?? [];
  const policyErrors = errors.filter((e) => e.code !== "mismatch");
  const mismatch = errors.filter((e) => e.code === "mismatch");
  const failed = new Set(errors.map((e) => e.code));
  const rules = RULES.filter(([name, , flag]) => (flag ? policy[flag] : name !== "reuse" || opts.hasPassword));
  const clientPolicy = {
    min: policy.minLength,
    max: policy.maxLength,
    upper: policy.requireUpper,
    lower: policy.requireLower,
    digit: policy.requireDigit,
    symbol: policy.requireSymbol,
  };
  const scriptText = {
    met: t("rule.met"),
    strength: [t("strength.0"), t("strength.1"), t("strength.2"), t("strength.3")],
    err: Object.fromEntries(
      [
        "PASSWORD_TOO_SHORT",
        "PASSWORD_TOO_LONG",
        "PASSWORD_MISSING_UPPERCASE",
        "PASSWORD_MISSING_LOWERCASE",
        "PASSWORD_MISSING_DIGIT",
        "PASSWORD_MISSING_SYMBOL",
        "mismatch",
      ].map((c) => [c, ruleMessage(p, c, policy)]),
    ),
  };
  const invalid = (list: RuleError[]) => (list.length ? html` aria-invalid="true"` : "");
  return {
    title: t("reset.title"),
    body: html`<div id="step"><h1>${t("reset.title")}</h1>
<p>${t("reset.account", { email: opts.email })}</p>
<div id="summary" class="summary" role="alert" tabindex="-1"${errors.length ? "" : html` hidden`}>
<h2>${t("errors.title")}</h2><ul>${errors.map((e) => html`<li>${e.message}</li>`)}</ul></div>
<form id="reset-form" method="post" action="/reset-password" data-policy="${JSON.stringify(clientPolicy)}" data-i18n="${JSON.stringify(scriptText)}">
<input type="hidden" name="csrf" value="${opts.csrf}"><input type="hidden" name="token" value="${opts.token}">${opts.stepUpToken ? html`<input type="hidden" name="step_up_token" value="${opts.stepUpToken}">` : ""}${carriedFields(p)}
<p id="rules-title">${t("rules.title")}</p>
<ul id="rules" class="rules">${rules.map(
      ([name, key, , code]) =>
        html`<li data-rule="${name}"${failed.has(code) ? html` class="bad"` : ""}>${t(key, { min: policy.minLength })}<span class="sr"></span></li>`,
    )}</ul>
<div class="field"><label for="password">${t("password.label")}</label>
<input id="password" name="password" type="password" autocomplete="new-password" required maxlength="1024"
aria-describedby="rules password-error strength"${invalid(policyErrors)} autofocus>
<p id="password-error" class="error"${policyErrors.length ? "" : html` hidden`}>${policyErrors.map((e) => e.message).join(" ")}</p>
<p id="strength" class="muted" aria-live="polite" hidden>${t("strength.label")} <b></b></p></div>
<div class="field"><label for="confirm">${t("confirm.label")}</label>
<input id="confirm" name="confirm" type="password" autocomplete="new-password" required maxlength="1024" aria-describedby="confirm-error"${invalid(mismatch)}>
<p id="confirm-error" class="error"${mismatch.length ? "" : html` hidden`}>${mismatch.map((e) => e.message).join(" ")}</p></div>
<p hidden><label class="check"><input type="checkbox" id="show"> ${t("show")}</label></p>
<button type="submit">${t("reset.submit")}</button>
</form></div>
<div id="done" hidden>${doneBody(p, opts.redirectUri)}</div>`,
  };
}

const continueTo = (p: Page, redirectUri: string): SafeHtml =>
  html`<p><a id="continue" class="button" href="${redirectUri}">${p.t("done.continue", { product: p.product })}</a></p>
<p class="muted">${p.t("done.redirect", { product: p.product })}</p>`;

function doneBody(p: Page, redirectUri: string | null): SafeHtml {
  return html`<h1 tabindex="-1">${p.t("done.title")}</h1>
<p>${p.t("done.body")}</p>
${redirectUri ? continueTo(p, redirectUri) : ""}`;
}

/**
 * The success page. Without JavaScript the redirect is a refresh inside <noscript>; with it, the
 * script redirects (so nothing navigates away before the page has been announced).
 */
export function doneView(p: Page, redirectUri: string | null): View {
  return {
    title: p.t("done.title"),
    head: redirectUri
      ? html`<noscript><meta http-equiv="refresh" content="5;url=${redirectUri}"></noscript>`
      : undefined,
    body: html`<div id="done" data-redirect="${redirectUri ?? ""}">${doneBody(p, redirectUri)}</div>`,
  };
}

/** A link that can no longer be used, saying why, with a button to request a new one. */
export function deadView(p: Page, code: "TOKEN_EXPIRED" | "TOKEN_USED" | "INVALID_TOKEN"): View {
  const { t } = p;
  return {
    title: t("dead.title"),
    body: html`<h1>${t("dead.title")}</h1>
<p>${t(`dead.${code}`)}</p>
<p><a class="button" href="${pageLink(p, "/forgot-password")}">${t("dead.button")}</a></p>
<p><a href="${pageLink(p, "/reset-password/code")}">${t("code.link")}</a></p>`,
  };
}
