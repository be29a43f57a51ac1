import type { Context } from "hono";
import { Hono } from "hono/tiny";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Dialect } from "../../config";
import { type AppError, ERRORS } from "../../domain/errors";
import type { AppEnv } from "../../http/context";
import { toAppError } from "../../http/errors";
import { bodyRules } from "../../http/middleware";

/** Renders a domain error in one dialect's own envelope. */
export type Envelope = (c: Context<AppEnv>, err: AppError) => Response;

/**
 * A Hono app for one seed dialect: while the dialect is off (COMPAT_DIALECTS) it answers exactly
 * like a route that does not exist; otherwise it applies the body rules (16 KiB, media type) and
 * maps every error, body-rule and validation failures included, to the dialect's envelope.
 */
export function dialectApp(dialect: Dialect, envelope: Envelope, accept?: string[]) {
  const app = new Hono<AppEnv>();
  app.use(async (c, next) => (c.get("deps").config.dialects.has(dialect) ? next() : c.notFound()));
  app.use(bodyRules(accept));
  app.onError((err, c) => envelope(c, toAppError(err, c)));
  return app;
}

/** One human sentence for an error: the failed fields when there are some (never their values). */
export function describeError(err: AppError): string {
  if (err.code === "VALIDATION_FAILED" && err.errors?.length)
    return err.errors.map((e) => `${e.path}: ${e.message}`).join(" ");
  return err.detail ?? ERRORS[err.code].title;
}

/** Sends a dialect's JSON error body with the error's headers (e.g. Retry-After). */
export function errorJson(
  c: Context<AppEnv>,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): Response {
  const res = c.json(body, status as ContentfulStatusCode);
  for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
  return res;
}

/** Seconds a 429 asks the caller to wait (its Retry-After), or undefined. */
export const retryAfterSeconds = (err: AppError): number | undefined =>
  err.headers?.["Retry-After"] ? Number(err.headers["Retry-After"]) : undefined;
