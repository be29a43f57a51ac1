import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { checkPassword } from "../../flows/check-password";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { ClientId, Email, NewPassword, str } from "./schemas";

export const PolicyCheckBody = z.strictObject({
  password: NewPassword,
  clientId: z.optional(ClientId),
  email: z.optional(Email),
  name: z.optional(str(1, 200)),
});

/** POST /v1/password-policy/check: the per-rule verdict the complete step would give (public, rate-limited). */
export const passwordPolicyRoutes = new Hono<AppEnv>().post("/check", validate("json", PolicyCheckBody), async (c) =>
  c.json(await checkPassword(c.get("deps"), c.req.valid("json")), 200),
);
