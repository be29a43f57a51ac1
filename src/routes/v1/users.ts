import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { adminResetPassword } from "../../flows/admin-reset-password";
import { createUser } from "../../flows/create-user";
import { getForceResetJob, MAX_FORCE_RESET_IDS, startForceReset } from "../../flows/force-reset";
import { importUsers, MAX_IMPORT } from "../../flows/import-users";
import { userEventsPage } from "../../flows/list-events";
import { deleteUser, getUserFor, unlockUser, updateUser } from "../../flows/manage-users";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { requireScope } from "../../http/require-scope";
import { EventsQuery } from "./events";
import { ClientId, Email, Locale, NewPassword, Slug, str } from "./schemas";
import { publicEvent, publicForceResetJob, publicUser } from "./views";

const Name = z.string().check(z.trim(), z.minLength(1), z.maxLength(200));

export const CreateUserBody = z.strictObject({
  email: Email,
  password: z.optional(NewPassword),
  name: z.optional(Name),
  locale: z.optional(Locale),
  /** The product holds a second factor for this user (README: Step-up before completion). */
  mfa: z.optional(z.boolean()),
  /** true: password sign-in is refused (PASSWORD_RESET_REQUIRED) until a reset completes. */
  mustResetPassword: z.optional(z.boolean()),
  /** Whose password policy applies (default: the tenant's default client, else NIST defaults). */
  clientId: z.optional(ClientId),
  /** Root key only: the tenant to create the user in (default: the default client's tenant). */
  tenantId: z.optional(Slug),
});
export const UpdateUserBody = z.strictObject({
  email: z.optional(Email),
  name: z.optional(z.nullable(Name)),
  locale: z.optional(z.nullable(Locale)),
  disabled: z.optional(z.boolean()),
  mfa: z.optional(z.boolean()),
  /** true: password sign-in is refused (PASSWORD_RESET_REQUIRED) and sessions end until a reset completes. */
  mustResetPassword: z.optional(z.boolean()),
});
const Pbkdf2Object = z.strictObject({
  algorithm: z.enum(["pbkdf2-sha256", "pbkdf2-sha512"]),
  iterations: z.int().check(z.minimum(1)),
  salt: str(1, 512),
  hash: str(1, 512),
  encoding: z.optional(z.enum(["base64", "hex"])),
  saltEncoding: z.optional(z.enum(["base64", "hex", "utf8"])),
});
export const ImportUsersBody = z.strictObject({
  users: z
    .array(
      z.strictObject({
        email: Email,
        name: z.optional(Name),
        locale: z.optional(Locale),
        disabled: z.optional(z.boolean()),
        mfa: z.optional(z.boolean()),
        /** true: the imported password signs in only after a reset (PASSWORD_RESET_REQUIRED until then). */
        mustResetPassword: z.optional(z.boolean()),
        passwordHash: z.optional(z.union([str(1, 1024), Pbkdf2Object])),
      }),
    )
    .check(z.minLength(1), z.maxLength(MAX_IMPORT)),
  tenantId: z.optional(Slug),
});
export const AdminResetQuery = z.object({ clientId: ClientId });
export const ForceResetBody = z.strictObject({
  /** Users of the client's tenant (other ids are ignored); or `all`. */
  userIds: z.optional(z.array(str(1, 64)).check(z.minLength(1), z.maxLength(MAX_FORCE_RESET_IDS))),
  /** Every user of the client's tenant. */
  all: z.optional(z.literal(true)),
  /** The client whose admin reset email (branding, link, TTL) the users get. */
  clientId: ClientId,
});

/** Admin user routes, all scoped to the caller's tenant. */
export const userRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .post("/", requireScope("users:write"), validate("json", CreateUserBody), async (c) =>
    c.json(publicUser(await createUser(c.get("deps"), c.get("admin"), c.req.valid("json"))), 201),
  )
  .post("/import", requireScope("users:write"), validate("json", ImportUsersBody), async (c) =>
    c.json(await importUsers(c.get("deps"), c.get("admin"), c.req.valid("json")), 200),
  )
  // Forced reset after a breach (README): needs both scopes, it flags users and emails them resets.
  .post(
    "/force-reset",
    requireScope("users:write"),
    requireScope("resets:write"),
    validate("json", ForceResetBody),
    async (c) => c.json(await startForceReset(c.get("deps"), c.get("admin"), c.req.valid("json")), 202),
  )
  .get("/force-reset/:jobId", requireScope("users:read"), async (c) =>
    c.json(publicForceResetJob(await getForceResetJob(c.get("deps"), c.get("admin"), c.req.param("jobId"))), 200),
  )
  .get("/:userId", requireScope("users:read"), async (c) =>
    c.json(publicUser(await getUserFor(c.get("deps"), c.get("admin"), c.req.param("userId"))), 200),
  )
  .patch("/:userId", requireScope("users:write"), validate("json", UpdateUserBody), async (c) =>
    c.json(
      publicUser(await updateUser(c.get("deps"), c.get("admin"), c.req.param("userId"), c.req.valid("json"))),
      200,
    ),
  )
  .delete("/:userId", requireScope("users:write"), async (c) => {
    await deleteUser(c.get("deps"), c.get("admin"), c.req.param("userId"));
    return c.body(null, 204);
  })
  .post("/:userId/unlock", requireScope("users:write"), async (c) => {
    await unlockUser(c.get("deps"), c.get("admin"), c.req.param("userId"));
    return c.body(null, 204);
  })
  .get("/:userId/events", requireScope("events:read"), validate("query", EventsQuery), async (c) => {
    const { events, nextCursor } = await userEventsPage(
      c.get("deps"),
      c.get("admin"),
      c.req.param("userId"),
      c.req.valid("query"),
    );
    return c.json({ events: events.map(publicEvent), nextCursor }, 200);
  })
  // Seed 004: a client's own credentials start resets through that client (a missing clientId
  // goes on to the seed's 400).
  .post(
    "/:userId/password-reset",
    requireScope("resets:write", (c) => c.req.query("clientId") ?? c.get("admin").clientId ?? undefined),
    validate("query", AdminResetQuery),
    async (c) => {
      await adminResetPassword(c.get("deps"), c.get("admin"), c.req.param("userId"), c.req.valid("query").clientId);
      return c.body(null, 204);
    },
  );
