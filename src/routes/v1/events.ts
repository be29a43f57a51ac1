import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { eventsPage } from "../../flows/list-events";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { requireScope } from "../../http/require-scope";
import { str } from "./schemas";
import { publicEvent } from "./views";

export const EventsQuery = z.object({
  type: z.optional(z.string().check(z.regex(/^[a-z_]+(\.[a-z_]+)*(\.\*)?$/), z.maxLength(64))),
  since: z.optional(z.iso.datetime({ offset: true })),
  cursor: z.optional(str(1, 200)),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(200))),
});

/** GET /v1/events?type=&since=&cursor=&limit=: the caller's tenant's audit trail, newest first. */
export const eventRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .get("/", requireScope("events:read"), validate("query", EventsQuery), async (c) => {
    const { events, nextCursor } = await eventsPage(c.get("deps"), c.get("admin"), c.req.valid("query"));
    return c.json({ events: events.map(publicEvent), nextCursor }, 200);
  });
