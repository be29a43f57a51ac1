import { BODY_ERRORS, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { PolicyCheckBody } from "./password-policy";

/** OpenAPI docs of /v1/password-policy. */
export const operations: Operation[] = [
  {
    method: "post",
    path: "/v1/password-policy/check",
    tag: "Password resets",
    auth: "none",
    summary: "Check a password against a client's policy (live feedback)",
    description: "The same per-rule result the complete step gives, except reuse (the account is never looked up).",
    body: PolicyCheckBody,
    success: { status: 200, description: "Verdict", schema: R.PolicyCheck },
    errors: [...BODY_ERRORS, "UNKNOWN_CLIENT", "RATE_LIMITED"],
  },
];
