import { BODY_ERRORS, type Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";
import { AccountLockBody } from "./account-locks";

/** OpenAPI docs of /v1/account-locks. */
export const operations: Operation[] = [
  {
    method: "post",
    path: "/v1/account-locks",
    tag: "Password resets",
    auth: "none",
    summary: 'Lock an account ("that wasn\'t me")',
    description:
      'The token is the one of the "that wasn\'t me" link (`/not-me?token=…`) in the "password changed" and admin-reset emails: single use, 7 days. Locking revokes every session and login token and kills every open reset; password sign-in then answers `423 ACCOUNT_LOCKED` until the owner completes a reset or an admin calls `POST /v1/users/{userId}/unlock`. Of concurrent calls with one token exactly one locks; the others get `TOKEN_USED`.',
    body: AccountLockBody,
    success: { status: 200, description: "Locked", schema: R.Locked },
    errors: [...BODY_ERRORS, "INVALID_TOKEN", "TOKEN_EXPIRED", "TOKEN_USED", "RATE_LIMITED"],
  },
];
