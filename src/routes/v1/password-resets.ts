import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { completePasswordReset } from "../../flows/complete-password-reset";
import { requestPasswordReset } from "../../flows/request-password-reset";
import { grantStepUp } from "../../flows/step-up";
import { verifyPasswordReset } from "../../flows/verify-password-reset";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { ClientId, Email, Locale, NewPassword, str, Url } from "./schemas";

export const RequestResetBody = z.strictObject({
  email: Email,
  clientId: z.optional(ClientId),
  locale: z.optional(Locale),
  redirectUri: z.optional(Url),
});
export const VerifyResetBody = z.union([
  z.strictObject({ token: str(1, 4096) }),
  z.strictObject({ email: Email, code: z.string().check(z.regex(/^\d{6}$/)), clientId: z.optional(ClientId) }),
]);
export const CompleteResetBody = z.strictObject({
  token: str(1, 4096),
  newPassword: NewPassword,
  clientId: z.optional(ClientId),
  /** The product's proof of the user's second factor (POST /v1/password-resets/step-up). */
  stepUpToken: z.optional(str(1, 4096)),
});
export const StepUpBody = z.strictObject({ challenge: str(1, 4096) });

/** POST /v1/password-resets[/verify|/complete]: the canonical reset journey. */
export const passwordResets = new Hono<AppEnv>()
  .post("/", validate("json", RequestResetBody), async (c) => {
    await requestPasswordReset(c.get("deps"), c.req.valid("json"));
    return c.json({ status: "accepted" as const }, 202);
  })
  .post("/verify", validate("json", VerifyResetBody), async (c) => {
    return c.json(await verifyPasswordReset(c.get("deps"), c.req.valid("json")), 200);
  })
  .post("/complete", validate("json", CompleteResetBody), async (c) => {
    const { token, newPassword, stepUpToken } = c.req.valid("json");
    const { redirectUri: _r, ...result } = await completePasswordReset(c.get("deps"), {
      token,
      newPassword,
      stepUpToken,
    });
    return c.json(result, 200);
  })
  // The product trades a challenge for a step-up token with its own client credentials (Basic).
  .post("/step-up", adminAuth, validate("json", StepUpBody), async (c) =>
    c.json(await grantStepUp(c.get("deps"), c.get("admin"), c.req.valid("json").challenge), 200),
  );
