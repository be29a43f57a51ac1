import * as z from "zod/mini";
import type { ErrorCode } from "../../domain/errors";
import { completePasswordReset } from "../../flows/complete-password-reset";
import { requestPasswordReset } from "../../flows/request-password-reset";
import { signIn } from "../../flows/sign-in";
import { verifyPasswordReset } from "../../flows/verify-password-reset";
import { validate } from "../../http/middleware";
import { Email, NewPassword, str } from "../v1/schemas";
import { describeError, dialectApp, type Envelope, errorJson } from "./dialect";

// NestAuth (seed 001): forgot-password mails a 6-digit code, verify-otp trades it for a reset JWT,
// reset-password sets the password. The client is the default one or X-Client-Id.

/** NestJS' error body: the HTTP status, its reason phrase, a message and the stable code. */
export interface NestAuthErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code: string;
  /** Every failed field or password rule (our addition; NestJS clients ignore unknown properties). */
  errors?: { path: string; code: string; message: string }[];
  /** STEP_UP_REQUIRED: the challenge for POST /v1/password-resets/step-up (our addition too). */
  challenge?: string;
}

const REASON: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Payload Too Large",
  415: "Unsupported Media Type",
  423: "Locked",
  429: "Too Many Requests",
  500: "Internal Server Error",
  503: "Service Unavailable",
};

// A dead or wrong reset token or OTP is a failed credential: 401, as seed 001 documents.
const STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_USED: 401,
  INVALID_CODE: 401,
};

/** Maps a domain error to NestAuth's error body (the one place for this dialect). */
export const nestAuthError: Envelope = (c, err) => {
  const statusCode = STATUS[err.code] ?? err.status;
  const body: NestAuthErrorBody = {
    statusCode,
    error: REASON[statusCode] ?? "Error",
    message: describeError(err),
    code: err.code,
    ...(err.errors?.length ? { errors: err.errors } : {}),
    ...err.extra,
  };
  return errorJson(c, statusCode, body, err.headers);
};

/** Seed fields; unknown fields are ignored (existing clients may send more, e.g. confirmPassword). */
export const ForgotPasswordBody = z.object({ email: Email });
export const VerifyOtpBody = z.object({ email: Email, otp: z.string().check(z.regex(/^\d{6}$/)) });
// stepUpToken is ours (README: Step-up), optional: the seed's clients never send it.
export const ResetPasswordBody = z.object({
  token: str(1, 4096),
  newPassword: NewPassword,
  stepUpToken: z.optional(str(1, 4096)),
});
export const LoginBody = z.object({ email: Email, password: str(1, 1024) });

/** POST /auth/forgot-password, /auth/verify-otp, /auth/reset-password (+ /auth/login to finish the journey). */
export const nestAuthRoutes = dialectApp("nestauth", nestAuthError)
  .post("/forgot-password", validate("json", ForgotPasswordBody), async (c) => {
    await requestPasswordReset(c.get("deps"), c.req.valid("json"), { dialect: "nestauth" });
    // Same words whether or not the address has an account.
    return c.json({ message: "If your email is registered, you will receive a code to reset your password" }, 200);
  })
  .post("/verify-otp", validate("json", VerifyOtpBody), async (c) => {
    const { email, otp } = c.req.valid("json");
    const { resetToken } = await verifyPasswordReset(c.get("deps"), { email, code: otp });
    return c.json({ message: "OTP verified successfully", token: resetToken }, 200);
  })
  .post("/reset-password", validate("json", ResetPasswordBody), async (c) => {
    // The seed's sample request carries an Authorization header: ignored, the token is the credential.
    await completePasswordReset(c.get("deps"), c.req.valid("json"), { issueLoginToken: false });
    return c.json({ message: "Password has been reset successfully" }, 200);
  })
  .post("/login", validate("json", LoginBody), async (c) => {
    const session = await signIn(c.get("deps"), c.req.valid("json"));
    return c.json({ message: "Login successful", accessToken: session.accessToken, expiresIn: session.expiresIn }, 200);
  });
