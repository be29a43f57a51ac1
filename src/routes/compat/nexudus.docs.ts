import * as z from "zod/mini";
import { ActionConfirmation, BODY_STATUSES, OAuthToken } from "../../openapi/dialects";
import type { Operation } from "../../openapi/operations";
import * as Nexudus from "./nexudus";

const TAG = "Dialect: Nexudus (seeds 003, 000)";
const TokenForm = z.object({
  grant_type: z.literal("password"),
  username: z.string(),
  password: z.string(),
  businessId: z.optional(z.string()),
});

const sys = (
  path: string,
  summary: string,
  body: z.ZodMiniType,
  value: z.ZodMiniType,
  more: Record<number, string> = {},
): Operation => ({
  method: "post",
  path: `/api/sys/users/${path}`,
  tag: TAG,
  auth: "none",
  summary,
  body,
  success: { status: 200, description: "ActionConfirmation, WasSuccessful true", schema: ActionConfirmation(value) },
  dialectErrors: {
    envelope: "ActionConfirmation",
    statuses: {
      400: "WasSuccessful false; Status mirrors the HTTP status; policy failures fill Errors",
      ...more,
      ...BODY_STATUSES,
      429: "Too many requests",
      500: "Server error",
    },
  },
  errors: [],
});

/** OpenAPI docs of the Nexudus dialect. */
export const operations: Operation[] = [
  sys(
    "startPasswordReset",
    "Send the reset email (same answer for unknown emails)",
    Nexudus.StartPasswordResetBody,
    z.null(),
  ),
  sys(
    "completePasswordReset",
    "Set the new password; Value is a one-time JWT for exchange (null when the client has issueLoginToken: false)",
    Nexudus.CompletePasswordResetBody,
    z.string(),
  ),
  sys("exchange", "Exchange the one-time JWT for a bearer token (once)", Nexudus.ExchangeBody, OAuthToken, {
    401: "INVALID_LOGIN_TOKEN: unknown, expired or already exchanged",
  }),
  {
    method: "post",
    path: "/api/token",
    tag: TAG,
    auth: "none",
    summary: "OAuth2 resource-owner password grant",
    body: TokenForm,
    bodyType: "application/x-www-form-urlencoded",
    success: { status: 200, description: "Token", schema: OAuthToken },
    dialectErrors: {
      envelope: "OAuthError",
      statuses: {
        400: "invalid_request, invalid_grant (wrong credentials, a locked account or one that must reset) or unsupported_grant_type",
        ...BODY_STATUSES,
        429: "slow_down",
        500: "server_error",
      },
    },
    errors: [],
  },
];
