import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { allowedRedirect } from "../../domain/client";
import { maskEmail } from "../../domain/email";
import { AppError } from "../../domain/errors";
import { completePasswordReset } from "../../flows/complete-password-reset";
import { type InspectedReset, inspectReset, isDeadToken } from "../../flows/live-reset";
import { notePrefetch } from "../../flows/note-prefetch";
import { resetScope } from "../../flows/password-rules";
import { resolveClient, resolveJourney } from "../../flows/resolve-client";
import { isProofFor, needsStepUp, openStepUpState, stepUpRedirect } from "../../flows/step-up";
import { verifyPasswordReset } from "../../flows/verify-password-reset";
import type { AppEnv } from "../../http/context";
import { csrfToken, verifyCsrf } from "../../http/page-security";
import { Email } from "../v1/schemas";
import { formBody, formFields, wantsJson } from "./forms";
import { openPage, type Page, sendPage } from "./layout";
import { deadView, doneView, type RuleError, resetView, ruleMessage } from "./reset-views";
import { codeView } from "./views";

type Dead = Extract<InspectedReset, { ok: false }>;
type Live = Extract<InspectedReset, { ok: true }>;

async function deadPage(c: Context<AppEnv>, loaded: Dead, uiLocales: string) {
  // Counted in the request's log line only: a page view never writes (no audit row per junk link).
  c.set("errorCode", loaded.code);
  const client =
    loaded.client ?? (await resolveClient(c.get("deps"), c.req.query("client_id") || null).catch(() => null));
  const p = await openPage(c, {
    client,
    uiLocales,
    redirectUri: loaded.client && loaded.rr ? allowedRedirect(loaded.client, loaded.rr.redirectUri) : null,
  });
  if (wantsJson(c)) return c.json({ ok: false, code: loaded.code }, 410);
  return sendPage(p, loaded.code === "INVALID_TOKEN" ? 400 : 410, deadView(p, loaded.code));
}

async function formPage(
  p: Page,
  status: number,
  token: string,
  live: Live,
  errors?: RuleError[],
  stepUpToken?: string,
) {
  return sendPage(
    p,
    status,
    resetView(p, {
      csrf: await csrfToken(p.deps, p.cookie, "reset", token),
      token,
      stepUpToken,
      email: maskEmail(live.user.email),
      // The rules of this reset: its client's, plus those of the dialect it was started through.
      policy: resetScope(live.client, live.rr).policy,
      hasPassword: live.user.passwordHash !== null,
      errors,
      redirectUri: allowedRedirect(live.client, live.rr.redirectUri),
    }),
  );
}

/**
 * The form, or, for a user with a second factor at a client that checks it and no proof yet, a 303
 * to the product's step-up page (nothing changes: the challenge is stateless). The product sends the
 * user back to /reset-password/step-up with its step_up_token.
 */
async function formOrStepUp(c: Context<AppEnv>, p: Page, token: string, live: Live, stepUpToken = "") {
  const deps = c.get("deps");
  if (needsStepUp(live.user, live.client) && !(stepUpToken && (await isProofFor(deps, live.rr, stepUpToken))))
    return c.redirect(await stepUpRedirect(deps, live.client, live.rr, token), 303);
  return formPage(p, 200, token, live, undefined, stepUpToken || undefined);
}

/** GET/HEAD/POST /reset-password and GET/POST /reset-password/code: the hosted reset form. */
export const resetRoutes = new Hono<AppEnv>()
  .get("/reset-password", async (c) => {
    const uiLocales = c.req.query("ui_locales") ?? c.req.query("locale") ?? "";
    const token = c.req.query("token") ?? "";
    const loaded = await inspectReset(c.get("deps"), token);
    if (!loaded.ok) return deadPage(c, loaded, uiLocales);
    notePrefetch(c.get("deps"), loaded.rr, c.req.method);
    const p = await openPage(c, { client: loaded.client, uiLocales, userLocale: loaded.user.locale });
    return formOrStepUp(c, p, token, loaded);
  })
  // Back from the product's step-up page: the reset token comes sealed in `state`, the proof beside it.
  .get("/reset-password/step-up", async (c) => {
    const deps = c.get("deps");
    const uiLocales = c.req.query("ui_locales") ?? "";
    const token = (await openStepUpState(deps, c.req.query("state") ?? "")) ?? "";
    const loaded = await inspectReset(deps, token);
    if (!loaded.ok) return deadPage(c, loaded, uiLocales);
    const p = await openPage(c, { client: loaded.client, uiLocales, userLocale: loaded.user.locale });
    return formOrStepUp(c, p, token, loaded, c.req.query("step_up_token") ?? "");
  })
  .post("/reset-password", formBody(), async (c) => {
    const f = await formFields(c);
    const deps = c.get("deps");
    const token = f("token");
    await verifyCsrf(c, deps, "reset", f("csrf"), token);
    const loaded = await inspectReset(deps, token);
    if (!loaded.ok) return deadPage(c, loaded, f("ui_locales"));
    const p = await openPage(c, { client: loaded.client, uiLocales: f("ui_locales"), userLocale: loaded.user.locale });
    const policy = resetScope(loaded.client, loaded.rr).policy;
    const stepUpToken = f("step_up_token") || undefined;
    const fail = (codes: string[]) => {
      const errors = codes.map((code) => ({ code, message: ruleMessage(p, code, policy) }));
      return wantsJson(c) ? c.json({ ok: false, errors }, 400) : formPage(p, 400, token, loaded, errors, stepUpToken);
    };
    if (f("password") !== f("confirm")) return fail(["mismatch"]);
    let redirectUri: string | null;
    try {
      redirectUri = (await completePasswordReset(deps, { token, newPassword: f("password"), stepUpToken })).redirectUri;
    } catch (e) {
      // The proof expired meanwhile (or never came): back to the product.
      if (e instanceof AppError && e.code === "STEP_UP_REQUIRED") {
        const to = await stepUpRedirect(deps, loaded.client, loaded.rr, token);
        return wantsJson(c) ? c.json({ ok: false, redirect: to }, 403) : c.redirect(to, 303);
      }
      if (e instanceof AppError && e.code === "PASSWORD_POLICY_VIOLATION")
        return fail((e.errors ?? []).map((x) => x.code));
      if (isDeadToken(e))
        return deadPage(c, { ok: false, code: e.code, client: loaded.client, rr: loaded.rr }, f("ui_locales"));
      throw e;
    }
    const next = allowedRedirect(loaded.client, redirectUri);
    return wantsJson(c) ? c.json({ ok: true, redirectUri: next }, 200) : sendPage(p, 200, doneView(p, next));
  })
  .get("/reset-password/code", async (c) => {
    const q = c.req.query();
    const { client, redirectUri } = await resolveJourney(c.get("deps"), q.client_id, q.redirect_uri);
    const p = await openPage(c, { client, uiLocales: q.ui_locales ?? q.locale, redirectUri });
    return sendPage(p, 200, codeView(p, { csrf: await csrfToken(p.deps, p.cookie, "code") }));
  })
  .post("/reset-password/code", formBody(), async (c) => {
    const f = await formFields(c);
    const deps = c.get("deps");
    await verifyCsrf(c, deps, "code", f("csrf"));
    const { client, redirectUri } = await resolveJourney(deps, f("client_id"), f("redirect_uri"));
    const p = await openPage(c, { client, uiLocales: f("ui_locales"), redirectUri });
    const email = Email.safeParse(f("email"));
    const code = f("code").replace(/\s+/g, "");
    const again = async (status: number, err: { emailError?: boolean; codeError?: "format" | "invalid" }) =>
      sendPage(
        p,
        status,
        codeView(p, { csrf: await csrfToken(deps, p.cookie, "code"), email: f("email").slice(0, 254), ...err }),
      );
    if (!email.success) return again(400, { emailError: true });
    if (!/^\d{6}$/.test(code)) return again(400, { codeError: "format" });
    let resetToken: string;
    try {
      resetToken = (await verifyPasswordReset(deps, { email: email.data, code, clientId: client.id })).resetToken;
    } catch (e) {
      if (e instanceof AppError && e.code === "INVALID_CODE") return again(400, { codeError: "invalid" });
      throw e;
    }
    // The code is spent; the short-lived reset JWT now stands in for the link token in the same form.
    const loaded = await inspectReset(deps, resetToken);
    if (!loaded.ok) return deadPage(c, loaded, f("ui_locales"));
    const page = await openPage(c, {
      client: loaded.client,
      uiLocales: f("ui_locales"),
      userLocale: loaded.user.locale,
    });
    return formOrStepUp(c, page, resetToken, loaded);
  });
