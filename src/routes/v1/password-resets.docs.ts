import type { Operation } from "../../openapi/operations";
import { admin, BODY_ERRORS } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { CompleteResetBody, RequestResetBody, StepUpBody, VerifyResetBody } from "./password-resets";

/** OpenAPI docs of /v1/password-resets (collected by src/openapi/document.ts at build time). */
export const operations: Operation[] = [
  {
    method: "post",
    path: "/v1/password-resets",
    tag: "Password resets",
    auth: "none",
    summary: "Request a password reset",
    description:
      "Always 202 with the same bytes, whether or not the account exists; the email (link + 6-digit code) is sent in the background.",
    body: RequestResetBody,
    success: { status: 202, description: "Accepted", schema: R.Accepted },
    errors: [...BODY_ERRORS, "UNKNOWN_CLIENT", "REDIRECT_URI_NOT_ALLOWED", "RATE_LIMITED"],
  },
  {
    method: "post",
    path: "/v1/password-resets/verify",
    tag: "Password resets",
    auth: "none",
    summary: "Check a link token or trade a code for a reset JWT",
    description:
      "Never consumes a link token. A correct code (once, at most 5 attempts) yields a short-lived single-use reset JWT.",
    body: VerifyResetBody,
    success: { status: 200, description: "Valid", schema: R.VerifyResult },
    errors: [
      ...BODY_ERRORS,
      "INVALID_TOKEN",
      "TOKEN_EXPIRED",
      "TOKEN_USED",
      "INVALID_CODE",
      "UNKNOWN_CLIENT",
      "RATE_LIMITED",
    ],
  },
  {
    method: "post",
    path: "/v1/password-resets/complete",
    tag: "Password resets",
    auth: "none",
    summary: "Set the new password",
    description:
      'Atomically consumes the token, replaces the password, revokes every session and queues the "password changed" email.',
    body: CompleteResetBody,
    success: { status: 200, description: "Completed", schema: R.Completed },
    errors: [
      ...BODY_ERRORS,
      "INVALID_TOKEN",
      "TOKEN_EXPIRED",
      "TOKEN_USED",
      "PASSWORD_POLICY_VIOLATION",
      "STEP_UP_REQUIRED",
      "USER_NOT_FOUND",
      "RATE_LIMITED",
      "HASH_FAILURE",
    ],
  },
  admin({
    method: "post",
    path: "/v1/password-resets/step-up",
    clientCredentials: true,
    summary: "Vouch for the user's second factor (the reset's client only)",
    description:
      "The product, after checking the user's second factor, trades the `challenge` of a STEP_UP_REQUIRED answer for a `stepUpToken` (5 minutes, that reset only), then completes with it. Basic credentials of the reset's own client.",
    body: StepUpBody,
    success: { status: 200, description: "Step-up token", schema: R.StepUpGranted },
    errors: [...BODY_ERRORS, "INSUFFICIENT_SCOPE", "INVALID_CHALLENGE"],
  }),
];
