import * as z from "zod/mini";
import { singularityPolicy } from "../../domain/dialect-policy";
import { AppError, type ErrorCode } from "../../domain/errors";
import { completePasswordReset } from "../../flows/complete-password-reset";
import { getResetCooldown } from "../../flows/get-reset-cooldown";
import { requestPasswordReset } from "../../flows/request-password-reset";
import { signIn } from "../../flows/sign-in";
import { validate } from "../../http/middleware";
import { Email, Locale, NewPassword, str } from "../v1/schemas";
import { describeError, dialectApp, type Envelope, errorJson, retryAfterSeconds } from "./dialect";

// Singularity-style auth API (seed 002). The client is the default one or X-Client-Id.

/** Seconds between two reset emails to one address (per tenant), known or not. */
export const RESET_EMAIL_COOLDOWN_SECONDS = 60;

// Seed 002's password rule lives in the domain: it is stored with each reset started here and
// applied by whichever route completes it (src/domain/dialect-policy.ts).
export { SINGULARITY_SYMBOLS, singularityPolicy } from "../../domain/dialect-policy";

/** Singularity's error body; `remaining` (seconds) only with EMAIL_COOLDOWN_ACTIVE. */
export interface SingularityErrorBody {
  status: number;
  code: string;
  message: string;
  remaining?: number;
  /** Every failed field or password rule (our addition). */
  errors?: { path: string; code: string; message: string }[];
  /** STEP_UP_REQUIRED: the challenge for POST /v1/password-resets/step-up (our addition too). */
  challenge?: string;
}

// Seed 002 names its own codes for token failures (all 401); every other domain code, including
// USER_NOT_FOUND (404), EMAIL_COOLDOWN_ACTIVE (429), DATABASE_FAILURE, HASH_FAILURE and
// POST_COMMIT_SIDE_EFFECT_FAILURE (500), is sent as is. PASSWORD_RESET_TOKEN_SECRET_FAILURE is never
// sent: no token here carries an encrypted secret (a link token is random and stored as a hash,
// a reset JWT is only signed), so there is nothing to fail to decrypt.
export const SEED_CODES: Partial<Record<ErrorCode, readonly [number, string]>> = {
  TOKEN_MISSING: [401, "PASSWORD_RESET_TOKEN_MISSING"],
  INVALID_TOKEN: [401, "PASSWORD_RESET_TOKEN_INVALID"],
  TOKEN_USED: [401, "PASSWORD_RESET_TOKEN_INVALID"],
  TOKEN_EXPIRED: [401, "PASSWORD_RESET_TOKEN_EXPIRED"],
};

/** Maps a domain error to Singularity's `{status, code, message}` (the one place for this dialect). */
export const singularityError: Envelope = (c, err) => {
  const [status, code] = SEED_CODES[err.code] ?? [err.status, err.code];
  const body: SingularityErrorBody = { status, code, message: describeError(err), ...err.extra };
  if (err.code === "EMAIL_COOLDOWN_ACTIVE") body.remaining = retryAfterSeconds(err);
  // The flows name the new password "newPassword"; this dialect calls it "password".
  if (err.errors?.length)
    body.errors = err.errors.map((e) => (e.path === "newPassword" ? { ...e, path: "password" } : e));
  return errorJson(c, status, body, err.headers);
};

/** Seed fields; unknown fields are ignored (existing clients may send more). */
export const ResetRequestQuery = z.object({ locale: z.optional(Locale) });
export const ResetRequestBody = z.object({ email: Email });
export const CooldownQuery = z.object({ email: Email });
export const ResetQuery = z.object({ token: z.optional(z.string().check(z.maxLength(4096))) });
// stepUpToken is ours (README: Step-up), optional: the seed's clients never send it.
export const ResetBody = z.object({
  password: NewPassword,
  token: z.optional(str(1, 4096)),
  stepUpToken: z.optional(str(1, 4096)),
});
export const LoginBody = z.object({ email: Email, password: str(1, 1024) });

/** POST /api/auth/password/reset-request, GET …/reset/cooldown, POST …/reset (+ POST /api/auth/login). */
export const singularityRoutes = dialectApp("singularity", singularityError)
  .post(
    "/password/reset-request",
    validate("query", ResetRequestQuery),
    validate("json", ResetRequestBody),
    async (c) => {
      const { locale } = c.req.valid("query");
      // Answers alike for unknown addresses, cooldown included.
      await requestPasswordReset(
        c.get("deps"),
        { email: c.req.valid("json").email, locale },
        { cooldownSeconds: RESET_EMAIL_COOLDOWN_SECONDS, dialect: "singularity" },
      );
      return c.json({ success: true }, 200);
    },
  )
  .get("/password/reset/cooldown", validate("query", CooldownQuery), async (c) => {
    return c.json({ remaining: await getResetCooldown(c.get("deps"), c.req.valid("query")) }, 200);
  })
  .post("/password/reset", validate("query", ResetQuery), validate("json", ResetBody), async (c) => {
    const body = c.req.valid("json");
    // Seed 002 sends the token as a query parameter; the body is accepted too (query wins).
    const token = c.req.valid("query").token || body.token;
    if (!token) throw new AppError("TOKEN_MISSING", "Send the token as ?token= (or in the body).");
    await completePasswordReset(
      c.get("deps"),
      { token, newPassword: body.password, stepUpToken: body.stepUpToken },
      { policy: singularityPolicy, issueLoginToken: false },
    );
    return c.json({ success: true }, 200);
  })
  .post("/login", validate("json", LoginBody), async (c) => {
    return c.json(await signIn(c.get("deps"), c.req.valid("json")), 200);
  });
