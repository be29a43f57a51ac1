import { Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { findUserById } from "../../db/users";
import { AppError } from "../../domain/errors";
import { adminResetPassword } from "../../flows/admin-reset-password";
import { createUser, publicUser } from "../../flows/create-user";
import { resolveClient } from "../../flows/support";
import { adminAuth } from "./admin-auth";
import { ClientId, Email, Locale, NewPassword, str } from "./schemas";

export const CreateUserBody = z.strictObject({
  email: Email,
  password: z.optional(NewPassword),
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  locale: z.optional(Locale),
  /** Root key only: the tenant to create the user in (default: the default client's tenant). */
  tenantId: z.optional(str(1, 64)),
});
export const AdminResetQuery = z.object({ clientId: ClientId });

/** Admin user routes: POST /v1/users, GET /v1/users/{userId}, POST /v1/users/{userId}/password-reset. */
export const userRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .post("/", validate("json", CreateUserBody), async (c) => {
    const deps = c.get("deps");
    const scope = c.get("admin");
    const { tenantId: wanted, ...input } = c.req.valid("json");
    if (wanted && !scope.root) throw new AppError("FORBIDDEN", "Only the root key may choose a tenant.");
    const tenantId = scope.tenantId ?? wanted ?? (await resolveClient(deps, null)).tenantId;
    return c.json(await createUser(deps, tenantId, input), 201);
  })
  .get("/:userId", async (c) => {
    const user = await findUserById(c.get("deps").db, c.req.param("userId"), c.get("admin").tenantId ?? undefined);
    if (!user) throw new AppError("USER_NOT_FOUND", `No user with id ${c.req.param("userId")}.`);
    return c.json(publicUser(user), 200);
  })
  .post("/:userId/password-reset", validate("query", AdminResetQuery), async (c) => {
    await adminResetPassword(c.get("deps"), c.get("admin"), c.req.param("userId"), c.req.valid("query").clientId);
    return c.body(null, 204);
  });
