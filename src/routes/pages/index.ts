import type { Context, MiddlewareHandler } from "hono";
import { Hono } from "hono/tiny";
import type { AppError } from "../../domain/errors";
import { resolveClient } from "../../flows/resolve-client";
import { enforcePageLimit } from "../../flows/throttle";
import type { AppEnv } from "../../http/context";
import { toAppError } from "../../http/errors";
import type { PageKey } from "../../i18n/pages/en";
import { forgotRoutes } from "./forgot-password";
import { wantsJson } from "./forms";
import { openPage, sendPage } from "./layout";
import { notMeRoutes } from "./not-me";
import { resetRoutes } from "./reset-password";
import { messageView } from "./views";

const PAGE_FOR: Partial<Record<AppError["code"], [PageKey, PageKey]>> = {
  CSRF_FAILED: ["csrf.title", "csrf.body"],
  RATE_LIMITED: ["rate.title", "rate.body"],
  UNKNOWN_CLIENT: ["invalid.title", "invalid.body"],
  REDIRECT_URI_NOT_ALLOWED: ["invalid.title", "invalid.body"],
  UNSUPPORTED_MEDIA_TYPE: ["invalid.title", "invalid.body"],
  PAYLOAD_TOO_LARGE: ["invalid.title", "invalid.body"],
  MALFORMED_JSON: ["invalid.title", "invalid.body"],
  VALIDATION_FAILED: ["invalid.title", "invalid.body"],
};

/**
 * Errors of the hosted pages become pages (a person is reading, not a program), with the same
 * security headers; the enhanced form gets JSON and falls back to a plain post to see the page.
 */
async function pageError(err: Error, c: Context<AppEnv>): Promise<Response> {
  const e = toAppError(err, c);
  for (const [k, v] of Object.entries(e.headers ?? {})) c.header(k, v);
  if (wantsJson(c)) return c.json({ ok: false, code: e.code }, e.status as 400);
  const deps = c.get("deps");
  // Keep the journey's branding and language: from the posted form if the handler read it, or the
  // query. The body itself is never read here: one the body rules refused (too large, never ending,
  // another media type) must not be parsed after all.
  const form = c.get("form") ?? {};
  const param = (name: string) => form[name] ?? c.req.query(name) ?? "";
  const client = await resolveClient(deps, param("client_id") || deps.config.defaultClientId).catch(() => null);
  const p = await openPage(c, { client, uiLocales: param("ui_locales") });
  const [title, body] = PAGE_FOR[e.code] ?? ["error.title", "error.body"];
  const minutes = Math.max(1, Math.ceil(Number(e.headers?.["Retry-After"] ?? 60) / 60));
  return sendPage(p, e.status, messageView(p, title, body, { minutes }));
}

/** Every hosted page and its form posts count against the network's pagesPerIp bucket first. */
const pageLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
  await enforcePageLimit(c.get("deps"));
  return next();
};

/** The hosted HTML pages: /forgot-password, /reset-password, /reset-password/code, /not-me. */
export const pageRoutes = new Hono<AppEnv>()
  .use("/forgot-password", pageLimit)
  .use("/reset-password/*", pageLimit) // "/reset-password" itself included
  .use("/not-me", pageLimit)
  .route("/", forgotRoutes)
  .route("/", resetRoutes)
  .route("/", notMeRoutes)
  .onError(pageError);
