import type { Context } from "hono";
import { Hono } from "hono/tiny";
import { type DeadCode, isDeadToken } from "../../flows/live-reset";
import { inspectNotMe, lockAccount } from "../../flows/lock-account";
import type { AppEnv } from "../../http/context";
import { csrfToken, verifyCsrf } from "../../http/page-security";
import { formBody, formFields } from "./forms";
import { openPage, sendPage } from "./layout";
import { messageView, notMeView } from "./views";

/** The page of a token: its form (GET), "locked" (after the post that locked) or why it is dead. */
async function notMePage(c: Context<AppEnv>, token: string, uiLocales: string, locked: DeadCode | "locked" | null) {
  const deps = c.get("deps");
  const found = await inspectNotMe(deps, token);
  const p = await openPage(c, { client: found.client, uiLocales, userLocale: found.user?.locale });
  if (locked === "locked") return sendPage(p, 200, messageView(p, "notme.done", "notme.doneBody", {}, "notme.reset"));
  const dead = locked ?? found.code;
  if (dead) {
    // Counted in the request's log line only: a page view never writes.
    c.set("errorCode", dead);
    return sendPage(
      p,
      dead === "INVALID_TOKEN" ? 400 : 410,
      messageView(p, "dead.title", "notme.dead", {}, "notme.reset"),
    );
  }
  return sendPage(p, 200, notMeView(p, { csrf: await csrfToken(deps, p.cookie, "not-me", token), token }));
}

/**
 * GET/HEAD/POST /not-me: "that wasn't me" from the password-changed and admin-reset emails. GET
 * and HEAD only read (mail scanners fetch links); the CSRF-protected post locks the account.
 */
export const notMeRoutes = new Hono<AppEnv>()
  .get("/not-me", (c) => notMePage(c, c.req.query("token") ?? "", c.req.query("ui_locales") ?? "", null))
  .post("/not-me", formBody(), async (c) => {
    const f = await formFields(c);
    const token = f("token");
    await verifyCsrf(c, c.get("deps"), "not-me", f("csrf"), token);
    const outcome = await lockAccount(c.get("deps"), token).then(
      () => "locked" as const,
      (e: unknown) => {
        if (isDeadToken(e)) return e.code;
        throw e;
      },
    );
    return notMePage(c, token, f("ui_locales"), outcome);
  });
