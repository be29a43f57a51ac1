import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { emailsPage } from "../../flows/list-emails";
import { retryEmail } from "../../flows/retry-email";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { requireScope } from "../../http/require-scope";
import { OUTBOX_STATUSES } from "../../outbox/store";
import { publicEmail } from "./views";

export const ListEmailsQuery = z.object({
  status: z.optional(z.enum(OUTBOX_STATUSES)),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(z.string().check(z.maxLength(200))),
});

/** Admin: GET /v1/emails (tenant-scoped, newest first, cursor-paginated), POST /v1/emails/{id}/retry. */
export const emailRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .get("/", requireScope("emails:read"), validate("query", ListEmailsQuery), async (c) => {
    const { emails, nextCursor } = await emailsPage(c.get("deps"), c.get("admin"), c.req.valid("query"));
    return c.json({ emails: emails.map(publicEmail), nextCursor }, 200);
  })
  .post("/:id/retry", requireScope("emails:write"), async (c) =>
    c.json(await retryEmail(c.get("deps"), c.get("admin"), c.req.param("id")), 202),
  );
