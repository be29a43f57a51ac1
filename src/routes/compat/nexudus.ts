import type { Context } from "hono";
import * as z from "zod/mini";
import { AppError, type ErrorCode } from "../../domain/errors";
import { completePasswordReset } from "../../flows/complete-password-reset";
import { exchangeLoginToken } from "../../flows/exchange-login-token";
import type { SessionResult } from "../../flows/issue-session";
import { requestPasswordReset } from "../../flows/request-password-reset";
import { signIn } from "../../flows/sign-in";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { Email, NewPassword, str } from "../v1/schemas";
import { describeError, dialectApp, type Envelope, errorJson } from "./dialect";

// Nexudus portal API (seeds 003 and 000): /api/sys/users/* answer with an ActionConfirmation,
// /api/token is a plain OAuth2 token endpoint (RFC 6749), because that is what OAuth2 clients parse.

/** One entry of ActionConfirmation.Errors, shaped like Nexudus' own (AttemptedValue is never echoed). */
export interface NexudusError {
  PropertyName: string;
  Message: string;
  AttemptedValue: null;
  /** Stable machine code (our addition; Nexudus clients ignore unknown properties). */
  Code: string;
}

/** The envelope of every /api/sys response; the HTTP status always equals Status. */
export interface ActionConfirmation {
  WasSuccessful: boolean;
  Value: unknown;
  Status: number;
  Message: string | null;
  Errors: NexudusError[] | null;
}

// Every failure of the caller's input is a 400, as seed 003 says; a dead token included (the
// canonical API's 410 would be a status no Nexudus portal expects). Other codes keep their status.
const STATUS: Partial<Record<ErrorCode, number>> = { TOKEN_EXPIRED: 400, TOKEN_USED: 400 };
// The request field a code is about, so the portal can show it next to that field.
const FIELD: Partial<Record<ErrorCode, string>> = {
  INVALID_TOKEN: "token",
  TOKEN_EXPIRED: "token",
  TOKEN_USED: "token",
  INVALID_LOGIN_TOKEN: "token",
  UNKNOWN_CLIENT: "businessId",
};

/** Maps a domain error to a failed ActionConfirmation (the one place for this dialect). */
export const actionConfirmationError: Envelope = (c, err) => {
  const Status = STATUS[err.code] ?? err.status;
  const Message = describeError(err);
  const field = FIELD[err.code];
  const Errors: NexudusError[] | null = err.errors?.length
    ? err.errors.map((e) => ({ PropertyName: e.path, Message: e.message, AttemptedValue: null, Code: e.code }))
    : field
      ? [{ PropertyName: field, Message, AttemptedValue: null, Code: err.code }]
      : null;
  const body: ActionConfirmation = { WasSuccessful: false, Value: null, Status, Message, Errors };
  return errorJson(c, Status, body, err.headers);
};

const confirmed = (c: Context<AppEnv>, Value: unknown) =>
  c.json({ WasSuccessful: true, Value, Status: 200, Message: null, Errors: null } satisfies ActionConfirmation, 200);

/** Seed fields are camelCase; unknown fields are ignored (existing portals may send more). */
const BusinessId = z.nullish(z.int());
export const StartPasswordResetBody = z.object({ email: Email, businessId: BusinessId });
export const CompletePasswordResetBody = z.object({
  token: str(1, 4096),
  newPassword: NewPassword,
  businessId: BusinessId,
});
export const ExchangeBody = z.object({ token: str(1, 4096) });

const tokenResponse = (s: SessionResult) => ({
  access_token: s.accessToken,
  token_type: s.tokenType,
  expires_in: s.expiresIn,
});

/** POST /api/sys/users/startPasswordReset, completePasswordReset, exchange. */
export const nexudusUserRoutes = dialectApp("nexudus", actionConfirmationError)
  .post("/startPasswordReset", validate("json", StartPasswordResetBody), async (c) => {
    // Same envelope whether or not the address has an account (seed 003).
    await requestPasswordReset(c.get("deps"), c.req.valid("json"), { dialect: "nexudus" });
    return confirmed(c, null);
  })
  .post("/completePasswordReset", validate("json", CompletePasswordResetBody), async (c) => {
    const { token, newPassword, businessId } = c.req.valid("json");
    // Seed 000: Value is the one-time JWT the portal exchanges at once. The client decides whether
    // it issues one (locations do by default; issueLoginToken: false gives Value null); the token
    // must come from this location when one is named.
    const done = await completePasswordReset(c.get("deps"), { token, newPassword }, { businessId });
    return confirmed(c, done.loginToken ?? null);
  })
  .post("/exchange", validate("json", ExchangeBody), async (c) => {
    return confirmed(c, tokenResponse(await exchangeLoginToken(c.get("deps"), c.req.valid("json").token)));
  });

/** RFC 6749 §5.2 error body, never cached (§5.1 asks the same of token responses). */
const oauthError = (
  c: Context<AppEnv>,
  status: number,
  error: string,
  description: string,
  headers: Record<string, string> = {},
) => errorJson(c, status, { error, error_description: description }, { ...headers, Pragma: "no-cache" });

/** Maps a domain error to an OAuth2 error: wrong credentials are invalid_grant, malformed requests invalid_request. */
export const oauthErrorEnvelope: Envelope = (c, err) => {
  const description = describeError(err);
  // A locked account or one that must reset is a grant the server refuses (RFC 6749 §5.2 has no 423/403).
  if (err.code === "INVALID_CREDENTIALS" || err.code === "ACCOUNT_LOCKED" || err.code === "PASSWORD_RESET_REQUIRED")
    return oauthError(c, 400, "invalid_grant", description);
  // OAuth2 has no rate-limit error; slow_down (RFC 8628, a registered token-endpoint error) means "back off".
  if (err.code === "RATE_LIMITED") return oauthError(c, 429, "slow_down", description, err.headers);
  if (err.status >= 500) return oauthError(c, err.status, "server_error", description);
  return oauthError(c, 400, "invalid_request", description);
};

/** Reads one form parameter: empty counts as absent and a repeated one is invalid (RFC 6749 §3.2). */
function param(form: URLSearchParams, name: string, max: number): string | null {
  const values = form.getAll(name).filter((v) => v !== "");
  if (values.length > 1) throw new AppError("VALIDATION_FAILED", `${name} must not be repeated.`);
  const value = values[0] ?? null;
  if (value !== null && value.length > max) throw new AppError("VALIDATION_FAILED", `${name} is too long.`);
  return value;
}

/** POST /api/token: OAuth2 resource-owner password grant (form-encoded), sign-in for Nexudus portals. */
export const nexudusTokenRoute = dialectApp("nexudus", oauthErrorEnvelope, ["application/x-www-form-urlencoded"]).post(
  "/",
  async (c) => {
    const deps = c.get("deps");
    // Decoded from the bytes the body rules already read (and cached).
    const form = new URLSearchParams(new TextDecoder().decode(await c.req.arrayBuffer()));
    const grantType = param(form, "grant_type", 64);
    if (grantType === null) throw new AppError("VALIDATION_FAILED", "grant_type is required.");
    if (grantType !== "password")
      return oauthError(c, 400, "unsupported_grant_type", "Only grant_type=password is supported.");
    const username = param(form, "username", 254);
    const password = param(form, "password", 1024);
    if (username === null || password === null)
      throw new AppError("VALIDATION_FAILED", "username and password are required.");
    const businessId = param(form, "businessId", 16);
    if (businessId !== null && !/^\d+$/.test(businessId))
      throw new AppError("VALIDATION_FAILED", "businessId must be a number.");
    const session = await signIn(deps, {
      email: username,
      password,
      businessId: businessId === null ? null : Number(businessId),
    });
    c.header("Pragma", "no-cache");
    return c.json(tokenResponse(session), 200);
  },
);
