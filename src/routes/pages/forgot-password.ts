import { Hono } from "hono/tiny";
import { requestPasswordReset } from "../../flows/request-password-reset";
import { resolveJourney } from "../../flows/resolve-client";
import type { AppEnv } from "../../http/context";
import { csrfToken, verifyCsrf } from "../../http/page-security";
import { Email } from "../v1/schemas";
import { formBody, formFields } from "./forms";
import { openPage, sendPage } from "./layout";
import { forgotView, sentView } from "./views";

/** GET/POST /forgot-password: email form -> the canonical request flow -> a neutral "check your inbox". */
export const forgotRoutes = new Hono<AppEnv>()
  .get("/forgot-password", async (c) => {
    const q = c.req.query();
    const { client, redirectUri } = await resolveJourney(c.get("deps"), q.client_id, q.redirect_uri);
    const p = await openPage(c, { client, uiLocales: q.ui_locales ?? q.locale, redirectUri });
    const email = q.login_hint && Email.safeParse(q.login_hint).success ? q.login_hint : undefined;
    return sendPage(p, 200, forgotView(p, { csrf: await csrfToken(p.deps, p.cookie, "forgot"), email }));
  })
  .post("/forgot-password", formBody(), async (c) => {
    const f = await formFields(c);
    await verifyCsrf(c, c.get("deps"), "forgot", f("csrf"));
    const { client, redirectUri } = await resolveJourney(c.get("deps"), f("client_id"), f("redirect_uri"));
    const p = await openPage(c, { client, uiLocales: f("ui_locales"), redirectUri });
    const email = Email.safeParse(f("email"));
    if (!email.success) {
      return sendPage(
        p,
        400,
        forgotView(p, {
          csrf: await csrfToken(p.deps, p.cookie, "forgot"),
          email: f("email").slice(0, 254),
          invalid: true,
        }),
      );
    }
    // Only a language the user picked is "explicit"; otherwise the flow prefers their stored locale.
    await requestPasswordReset(p.deps, {
      email: email.data,
      clientId: client.id,
      locale: f("ui_locales") || null,
      redirectUri,
    });
    // Identical for unknown accounts: the flow answers before it looks the address up.
    const minutes = Math.round(client.linkTtlSeconds / 60);
    return sendPage(
      p,
      200,
      sentView(p, { csrf: await csrfToken(p.deps, p.cookie, "code"), email: email.data, minutes }),
    );
  });
