import * as z from "zod/mini";
import * as Nest from "../routes/compat/nestauth";
import * as Nexudus from "../routes/compat/nexudus";
import * as Sing from "../routes/compat/singularity";
import type { Operation } from "./operations";
import { Session } from "./responses";

// The seed dialects (DESIGN §5): same flows, each with its own envelope and error shape.

const ActionConfirmation = (value: z.ZodMiniType) =>
  z.object({ WasSuccessful: z.boolean(), Value: value, Status: z.int(), Message: z.nullable(z.string()), Errors: z.nullable(z.array(z.object({ PropertyName: z.string(), Message: z.string(), AttemptedValue: z.null(), Code: z.string() }))) });
export const compatErrorSchemas = {
  ActionConfirmation: ActionConfirmation(z.null()),
  OAuthError: z.object({ error: z.enum(["invalid_request", "invalid_grant", "unsupported_grant_type", "slow_down", "server_error"]), error_description: z.string() }),
  NestAuthError: z.object({ statusCode: z.int(), error: z.string(), message: z.string(), code: z.string() }),
  SingularityError: z.object({ status: z.int(), code: z.string(), message: z.string(), remaining: z.optional(z.int()) }),
};
const OAuthToken = z.object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.int() });
const TokenForm = z.object({ grant_type: z.literal("password"), username: z.string(), password: z.string(), businessId: z.optional(z.string()) });

const nexudus = (path: string, summary: string, body: z.ZodMiniType, value: z.ZodMiniType): Operation => ({
  method: "post", path: `/api/sys/users/${path}`, tag: "Dialect: Nexudus (seeds 003, 000)", auth: "none", summary, body,
  success: { status: 200, description: "ActionConfirmation, WasSuccessful true", schema: ActionConfirmation(value) },
  dialectErrors: { envelope: "ActionConfirmation", statuses: { 400: "WasSuccessful false; Status mirrors the HTTP status; policy failures fill Errors", 429: "Too many requests", 500: "Server error" } },
  errors: [],
});

/** Routes of the enabled-by-default dialects (COMPAT_DIALECTS). */
export const compatOperations: Operation[] = [
  nexudus("startPasswordReset", "Send the reset email (same answer for unknown emails)", Nexudus.StartPasswordResetBody, z.null()),
  nexudus("completePasswordReset", "Set the new password; Value is a one-time JWT for exchange", Nexudus.CompletePasswordResetBody, z.string()),
  nexudus("exchange", "Exchange the one-time JWT for a bearer token (once)", Nexudus.ExchangeBody, OAuthToken),
  {
    method: "post", path: "/api/token", tag: "Dialect: Nexudus (seeds 003, 000)", auth: "none",
    summary: "OAuth2 resource-owner password grant", body: TokenForm, bodyType: "application/x-www-form-urlencoded",
    success: { status: 200, description: "Token", schema: OAuthToken },
    dialectErrors: { envelope: "OAuthError", statuses: { 400: "invalid_request, invalid_grant (wrong credentials) or unsupported_grant_type", 429: "slow_down", 500: "server_error" } },
    errors: [],
  },
  ...([
    ["/auth/forgot-password", "Send the reset code by email", Nest.ForgotPasswordBody, z.object({ message: z.string() })],
    ["/auth/verify-otp", "Trade the emailed code for a reset JWT", Nest.VerifyOtpBody, z.object({ message: z.string(), token: z.string() })],
    ["/auth/reset-password", "Set the new password with the reset JWT", Nest.ResetPasswordBody, z.object({ message: z.literal("Password has been reset successfully") })],
    ["/auth/login", "Sign in (not in the seed; ends the journey in this dialect)", Nest.LoginBody, Session],
  ] as const).map(([path, summary, body, schema]): Operation => ({
    method: "post", path, tag: "Dialect: NestAuth (seed 001)", auth: "none", summary, body,
    success: { status: 200, description: "OK", schema },
    dialectErrors: { envelope: "NestAuthError", statuses: { 400: "VALIDATION_FAILED or a finer code", 401: "Bad, expired or used token/code; INVALID_CREDENTIALS", 429: "RATE_LIMITED", 500: "Server error" } },
    errors: [],
  })),
  {
    method: "post", path: "/api/auth/password/reset-request", tag: "Dialect: Singularity (seed 002)", auth: "none",
    summary: "Send the reset email in ?locale= (per-email cooldown)", body: Sing.ResetRequestBody, query: Sing.ResetRequestQuery,
    success: { status: 200, description: "Sent (same answer for unknown emails)", schema: z.object({ success: z.literal(true) }) },
    dialectErrors: { envelope: "SingularityError", statuses: { 400: "VALIDATION_FAILED", 429: "EMAIL_COOLDOWN_ACTIVE (remaining seconds)", 500: "DATABASE_FAILURE" } },
    errors: [],
  },
  {
    method: "get", path: "/api/auth/password/reset/cooldown", tag: "Dialect: Singularity (seed 002)", auth: "none",
    summary: "Seconds left before another reset email may be requested", query: Sing.CooldownQuery,
    success: { status: 200, description: "Remaining seconds", schema: z.object({ remaining: z.int() }) },
    dialectErrors: { envelope: "SingularityError", statuses: { 400: "VALIDATION_FAILED" } },
    errors: [],
  },
  {
    method: "post", path: "/api/auth/password/reset", tag: "Dialect: Singularity (seed 002)", auth: "none",
    summary: "Set the new password (token as ?token= or in the body)", body: Sing.ResetBody, query: Sing.ResetQuery,
    success: { status: 200, description: "Reset", schema: z.object({ success: z.literal(true) }) },
    dialectErrors: {
      envelope: "SingularityError",
      statuses: { 400: "VALIDATION_FAILED, PASSWORD_POLICY_VIOLATION", 401: "PASSWORD_RESET_TOKEN_EXPIRED, PASSWORD_RESET_TOKEN_INVALID, PASSWORD_RESET_TOKEN_MISSING", 404: "USER_NOT_FOUND", 500: "DATABASE_FAILURE, HASH_FAILURE" },
    },
    errors: [],
  },
  {
    method: "post", path: "/api/auth/login", tag: "Dialect: Singularity (seed 002)", auth: "none",
    summary: "Sign in (not in the seed; ends the journey in this dialect)", body: Sing.LoginBody,
    success: { status: 200, description: "Signed in", schema: Session },
    dialectErrors: { envelope: "SingularityError", statuses: { 401: "INVALID_CREDENTIALS", 429: "RATE_LIMITED" } },
    errors: [],
  },
];
