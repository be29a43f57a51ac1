import type * as z from "zod/mini";
import type { ErrorCode } from "../domain/errors";
import { CompleteResetBody, RequestResetBody, VerifyResetBody } from "../routes/v1/password-resets";
import { ExchangeBody, SignInBody } from "../routes/v1/sessions";
import { ListEmailsQuery } from "../routes/v1/emails";
import { AdminResetQuery, CreateUserBody } from "../routes/v1/users";
import * as R from "./responses";

/** One documented operation; request schemas are the very ones the routes validate with. */
export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: "none" | "admin" | "bearer";
  body?: z.ZodMiniType;
  bodyType?: "application/json" | "application/x-www-form-urlencoded";
  query?: z.ZodMiniType;
  success: { status: number; description: string; schema?: z.ZodMiniType };
  /** Canonical error codes (problem+json). */
  errors: ErrorCode[];
  /** Seed dialects: their own error envelope and what each status means. */
  dialectErrors?: { envelope: string; statuses: Record<number, string> };
}

const BODY_ERRORS: ErrorCode[] = ["VALIDATION_FAILED", "MALFORMED_JSON", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"];

/** Every route of the canonical and admin API. */
export const operations: Operation[] = [
  {
    method: "post", path: "/v1/password-resets", tag: "Password resets", auth: "none",
    summary: "Request a password reset",
    description: "Always 202 with the same bytes, whether or not the account exists; the email (link + 6-digit code) is sent in the background.",
    body: RequestResetBody,
    success: { status: 202, description: "Accepted", schema: R.Accepted },
    errors: [...BODY_ERRORS, "UNKNOWN_CLIENT", "REDIRECT_URI_NOT_ALLOWED", "RATE_LIMITED"],
  },
  {
    method: "post", path: "/v1/password-resets/verify", tag: "Password resets", auth: "none",
    summary: "Check a link token or trade a code for a reset JWT",
    description: "Never consumes a link token. A correct code (once, at most 5 attempts) yields a short-lived single-use reset JWT.",
    body: VerifyResetBody,
    success: { status: 200, description: "Valid", schema: R.VerifyResult },
    errors: [...BODY_ERRORS, "INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED", "INVALID_CODE", "UNKNOWN_CLIENT", "RATE_LIMITED"],
  },
  {
    method: "post", path: "/v1/password-resets/complete", tag: "Password resets", auth: "none",
    summary: "Set the new password",
    description: "Atomically consumes the token, replaces the password, revokes every session and queues the \"password changed\" email.",
    body: CompleteResetBody,
    success: { status: 200, description: "Completed", schema: R.Completed },
    errors: [...BODY_ERRORS, "INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED", "PASSWORD_POLICY_VIOLATION", "RATE_LIMITED"],
  },
  {
    method: "post", path: "/v1/sessions", tag: "Sessions", auth: "none",
    summary: "Sign in with email and password",
    body: SignInBody,
    success: { status: 200, description: "Signed in", schema: R.Session },
    errors: [...BODY_ERRORS, "INVALID_CREDENTIALS", "UNKNOWN_CLIENT", "RATE_LIMITED"],
  },
  {
    method: "post", path: "/v1/sessions/exchange", tag: "Sessions", auth: "none",
    summary: "Exchange a one-time login token for a session",
    body: ExchangeBody,
    success: { status: 200, description: "Signed in", schema: R.Session },
    errors: [...BODY_ERRORS, "INVALID_LOGIN_TOKEN"],
  },
  {
    method: "get", path: "/v1/me", tag: "Sessions", auth: "bearer",
    summary: "The signed-in user",
    success: { status: 200, description: "The user", schema: R.User },
    errors: ["UNAUTHORIZED", "SESSION_REVOKED"],
  },
  {
    method: "post", path: "/v1/users", tag: "Admin", auth: "admin",
    summary: "Create a user (with or without a password)",
    body: CreateUserBody,
    success: { status: 201, description: "Created", schema: R.User },
    errors: [...BODY_ERRORS, "UNAUTHORIZED", "FORBIDDEN", "USER_EXISTS", "PASSWORD_POLICY_VIOLATION"],
  },
  {
    method: "get", path: "/v1/users/{userId}", tag: "Admin", auth: "admin",
    summary: "Read a user",
    success: { status: 200, description: "The user", schema: R.User },
    errors: ["UNAUTHORIZED", "USER_NOT_FOUND"],
  },
  {
    method: "post", path: "/v1/users/{userId}/password-reset", tag: "Admin", auth: "admin",
    summary: "Send a password-reset email to a user (admin-initiated)",
    description: "Seed 004 (Nexus): 204 with an empty body; RFC 7807 problem details for 400 and 404.",
    query: AdminResetQuery,
    success: { status: 204, description: "Email queued" },
    errors: ["VALIDATION_FAILED", "UNAUTHORIZED", "UNKNOWN_CLIENT", "USER_NOT_FOUND"],
  },
  {
    method: "get", path: "/v1/clients", tag: "Admin", auth: "admin",
    summary: "List clients",
    success: { status: 200, description: "Clients", schema: R.ClientList },
    errors: ["UNAUTHORIZED"],
  },
  {
    method: "get", path: "/v1/emails", tag: "Admin", auth: "admin",
    summary: "List outbox emails (no bodies, no addresses), newest first",
    query: ListEmailsQuery,
    success: { status: 200, description: "A page of emails", schema: R.EmailList },
    errors: ["VALIDATION_FAILED", "UNAUTHORIZED"],
  },
  {
    method: "post", path: "/v1/emails/{id}/retry", tag: "Admin", auth: "admin",
    summary: "Pull a queued (backing-off) email forward",
    description: "Sent, failed, dead and dropped emails have no payload left (it held a live token): 409; request a new reset instead.",
    success: { status: 202, description: "Queued for the next attempt", schema: R.EmailRetried },
    errors: ["UNAUTHORIZED", "EMAIL_NOT_FOUND", "EMAIL_NOT_RETRYABLE"],
  },
  {
    method: "get", path: "/healthz", tag: "Operations", auth: "none",
    summary: "Health of D1 and KV",
    success: { status: 200, description: "Healthy (503 when degraded)", schema: R.Health },
    errors: ["SERVICE_UNAVAILABLE"],
  },
  {
    method: "get", path: "/.well-known/jwks.json", tag: "Operations", auth: "none",
    summary: "Public keys of the token signer",
    success: { status: 200, description: "JWKS", schema: R.Jwks },
    errors: [],
  },
];
