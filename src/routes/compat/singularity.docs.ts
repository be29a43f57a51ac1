import * as z from "zod/mini";
import { BODY_STATUSES } from "../../openapi/dialects";
import type { Operation } from "../../openapi/operations";
import { Session } from "../../openapi/responses";
import * as Sing from "./singularity";

const TAG = "Dialect: Singularity (seed 002)";

/** OpenAPI docs of the Singularity dialect. */
export const operations: Operation[] = [
  {
    method: "post",
    path: "/api/auth/password/reset-request",
    tag: TAG,
    auth: "none",
    summary: "Send the reset email in ?locale= (per-email cooldown)",
    body: Sing.ResetRequestBody,
    query: Sing.ResetRequestQuery,
    success: {
      status: 200,
      description: "Sent (same answer for unknown emails)",
      schema: z.object({ success: z.literal(true) }),
    },
    dialectErrors: {
      envelope: "SingularityError",
      statuses: {
        400: "VALIDATION_FAILED",
        ...BODY_STATUSES,
        429: "EMAIL_COOLDOWN_ACTIVE (remaining seconds), RATE_LIMITED",
        500: "DATABASE_FAILURE",
      },
    },
    errors: [],
  },
  {
    method: "get",
    path: "/api/auth/password/reset/cooldown",
    tag: TAG,
    auth: "none",
    summary: "Seconds left before another reset email may be requested (rate-limited per network)",
    query: Sing.CooldownQuery,
    success: { status: 200, description: "Remaining seconds", schema: z.object({ remaining: z.int() }) },
    dialectErrors: { envelope: "SingularityError", statuses: { 400: "VALIDATION_FAILED", 429: "RATE_LIMITED" } },
    errors: [],
  },
  {
    method: "post",
    path: "/api/auth/password/reset",
    tag: TAG,
    auth: "none",
    summary: "Set the new password (token as ?token= or in the body)",
    body: Sing.ResetBody,
    query: Sing.ResetQuery,
    success: { status: 200, description: "Reset", schema: z.object({ success: z.literal(true) }) },
    dialectErrors: {
      envelope: "SingularityError",
      statuses: {
        400: "VALIDATION_FAILED, PASSWORD_POLICY_VIOLATION",
        ...BODY_STATUSES,
        401: "PASSWORD_RESET_TOKEN_EXPIRED, PASSWORD_RESET_TOKEN_INVALID, PASSWORD_RESET_TOKEN_MISSING",
        403: "STEP_UP_REQUIRED (with challenge; send stepUpToken)",
        404: "USER_NOT_FOUND",
        500: "DATABASE_FAILURE, HASH_FAILURE",
      },
    },
    errors: [],
  },
  {
    method: "post",
    path: "/api/auth/login",
    tag: TAG,
    auth: "none",
    summary: "Sign in (not in the seed; ends the journey in this dialect)",
    body: Sing.LoginBody,
    success: { status: 200, description: "Signed in", schema: Session },
    dialectErrors: {
      envelope: "SingularityError",
      statuses: {
        400: "VALIDATION_FAILED",
        401: "INVALID_CREDENTIALS",
        403: "PASSWORD_RESET_REQUIRED (right password)",
        ...BODY_STATUSES,
        423: "ACCOUNT_LOCKED (right password)",
        429: "RATE_LIMITED",
      },
    },
    errors: [],
  },
];
