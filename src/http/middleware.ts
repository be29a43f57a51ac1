import { zValidator } from "@hono/zod-validator";
import type { MiddlewareHandler, ValidationTargets } from "hono";
import { bodyLimit } from "hono/body-limit";
import type * as z from "zod/mini";
import { AppError } from "../domain/errors";
import type { AppEnv } from "./context";
import { zodIssuesToErrors } from "./problem";

/** Largest accepted request body. */
export const MAX_BODY_BYTES = 16 * 1024;
/** Routes that take larger bodies: a bulk import of 1,000 users with their hashes. */
export const LARGE_BODY_ROUTES: Record<string, number> = { "/v1/users/import": 1024 * 1024 };
/**
 * POST /v1/mail-events/{provider}: provider batches (SendGrid posts up to ~1,000 events, SNS up to
 * 256 KB messages) as JSON, or text/plain (how SNS labels its JSON).
 */
export const MAIL_EVENT_BODY_BYTES = 256 * 1024;

/**
 * For requests with a body: 413 above the limit (Content-Length first, then the bytes as they
 * stream in, with Hono's bodyLimit), 415 unless the body is JSON (or the route's own media type),
 * 400 when JSON does not parse. Hono caches the bytes, so validators read them again for free.
 */
export function bodyRules(accept: string[] = ["application/json"]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // No body at all (e.g. seed 004's POST .../password-reset) needs no media type, even when a
    // client labels its empty body (generated clients often send Content-Type with Content-Length: 0).
    if (c.req.method === "GET" || c.req.method === "HEAD" || c.req.raw.body === null) return next();
    const declared = c.req.header("Content-Length");
    if (declared === "0") return next();
    const events = c.req.path.startsWith("/v1/mail-events/");
    const max = LARGE_BODY_ROUTES[c.req.path] ?? (events ? MAIL_EVENT_BODY_BYTES : MAX_BODY_BYTES);
    const tooLarge = (): never => {
      throw new AppError("PAYLOAD_TOO_LARGE", `At most ${max} bytes.`);
    };
    if (Number(declared ?? "0") > max) tooLarge();
    const type = (c.req.header("Content-Type") ?? "").split(";")[0]!.trim().toLowerCase();
    const isJson = type === "application/json" || type.endsWith("+json");
    if (!accept.some((a) => (a === "application/json" ? isJson : a === type)) && !(events && type === "text/plain")) {
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", `Send the body as ${accept.join(" or ")}.`);
    }
    return bodyLimit({ maxSize: max, onError: tooLarge })(c, async () => {
      // Read once and kept by Hono for the handler: as text when it is JSON (the validator parses
      // that text; converting cached bytes to text again was ~4% of the request endpoint's CPU),
      // as bytes otherwise (provider events verify signatures over the exact bytes).
      if (!isJson || events) {
        await c.req.arrayBuffer();
        if (!isJson) return next();
      }
      const text = await c.req.text();
      if (text.length > 0) {
        try {
          JSON.parse(text);
        } catch {
          throw new AppError("MALFORMED_JSON");
        }
      }
      await next();
    });
  };
}

/** zod validation whose failures become VALIDATION_FAILED problems listing every issue. */
export const validate = <T extends z.ZodMiniType, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(target, schema, (result) => {
    if (!result.success)
      throw new AppError("VALIDATION_FAILED", undefined, zodIssuesToErrors(result.error.issues as never));
  });
