import type { Operation } from "../../openapi/operations";
import { BODY_ERRORS } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { ExchangeBody, SignInBody } from "./sessions";

/** OpenAPI docs of /v1/sessions and /v1/me. */
export const operations: Operation[] = [
  {
    method: "post",
    path: "/v1/sessions",
    tag: "Sessions",
    auth: "none",
    summary: "Sign in with email and password",
    body: SignInBody,
    success: { status: 200, description: "Signed in", schema: R.Session },
    errors: [
      ...BODY_ERRORS,
      "INVALID_CREDENTIALS",
      "ACCOUNT_LOCKED",
      "PASSWORD_RESET_REQUIRED",
      "UNKNOWN_CLIENT",
      "RATE_LIMITED",
    ],
  },
  {
    method: "post",
    path: "/v1/sessions/exchange",
    tag: "Sessions",
    auth: "none",
    summary: "Exchange a one-time login token for a session",
    body: ExchangeBody,
    success: { status: 200, description: "Signed in", schema: R.Session },
    errors: [...BODY_ERRORS, "INVALID_LOGIN_TOKEN"],
  },
  {
    method: "get",
    path: "/v1/me",
    tag: "Sessions",
    auth: "bearer",
    summary: "The signed-in user",
    success: { status: 200, description: "The user", schema: R.User },
    errors: ["UNAUTHORIZED", "SESSION_REVOKED"],
  },
];
