import { Hono } from "hono";
import * as z from "zod";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { completePasswordReset } from "../../flows/complete-password-reset";
import { requestPasswordReset } from "../../flows/request-password-reset";
import { verifyPasswordReset } from "../../flows/verify-password-reset";
import { ClientId, Email, Locale, NewPassword } from "./schemas";

export const RequestResetBody = z.strictObject({
  email: Email,
  clientId: ClientId.optional(),
  locale: Locale.optional(),
  redirectUri: z.string().url().max(2048).optional(),
});
export const VerifyResetBody = z.union([
  z.strictObject({ token: z.string().min(1).max(4096) }),
  z.strictObject({ email: Email, code: z.string().regex(/^\d{6}$/), clientId: ClientId.optional() }),
]);
export const CompleteResetBody = z.strictObject({
  token: z.string().min(1).max(4096),
  newPassword: NewPassword,
  clientId: ClientId.optional(),
});

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
    const { token, newPassword } = c.req.valid("json");
    const { redirectUri: _r, ...result } = await completePasswordReset(c.get("deps"), { token, newPassword });
    return c.json(result, 200);
  });
