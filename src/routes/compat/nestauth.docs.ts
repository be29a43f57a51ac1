import * as z from "zod/mini";
import { BODY_STATUSES } from "../../openapi/dialects";
import type { Operation } from "../../openapi/operations";
import { Session } from "../../openapi/responses";
import * as Nest from "./nestauth";

/** OpenAPI docs of the NestAuth dialect. */
export const operations: Operation[] = (
  [
    [
      "/auth/forgot-password",
      "Send the reset code by email",
      Nest.ForgotPasswordBody,
      z.object({ message: z.string() }),
    ],
    [
      "/auth/verify-otp",
      "Trade the emailed code for a reset JWT",
      Nest.VerifyOtpBody,
      z.object({ message: z.string(), token: z.string() }),
    ],
    [
      "/auth/reset-password",
      "Set the new password with the reset JWT",
      Nest.ResetPasswordBody,
      z.object({ message: z.literal("Password has been reset successfully") }),
    ],
    ["/auth/login", "Sign in (not in the seed; ends the journey in this dialect)", Nest.LoginBody, Session],
  ] as const
).map(
  ([path, summary, body, schema]): Operation => ({
    method: "post",
    path,
    tag: "Dialect: NestAuth (seed 001)",
    auth: "none",
    summary,
    body,
    success: { status: 200, description: "OK", schema },
    dialectErrors: {
      envelope: "NestAuthError",
      statuses: {
        400: "VALIDATION_FAILED or a finer code",
        401: "Bad, expired or used token/code; INVALID_CREDENTIALS",
        403: "PASSWORD_RESET_REQUIRED (sign-in, right password); STEP_UP_REQUIRED (reset, with challenge; send stepUpToken)",
        ...BODY_STATUSES,
        423: "ACCOUNT_LOCKED (sign-in, right password)",
        429: "RATE_LIMITED",
        500: "Server error",
      },
    },
    errors: [],
  }),
);
