import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { liftSuppression, suppressionsPage } from "../../flows/manage-suppressions";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { requireScope } from "../../http/require-scope";
import { str } from "./schemas";
import { publicSuppression } from "./views";

export const SuppressionsQuery = z.object({
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(str(1, 200)),
});

/** Admin: GET /v1/suppressions (masked addresses, newest first), DELETE /v1/suppressions/{id}. */
export const suppressionRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .get("/", requireScope("emails:read"), validate("query", SuppressionsQuery), async (c) => {
    const page = await suppressionsPage(c.get("deps"), c.get("admin"), c.req.valid("query"));
    return c.json({ suppressions: page.suppressions.map(publicSuppression), nextCursor: page.nextCursor }, 200);
  })
  .delete("/:id", requireScope("emails:write"), async (c) => {
    await liftSuppression(c.get("deps"), c.get("admin"), c.req.param("id"));
    return c.body(null, 204);
  });
