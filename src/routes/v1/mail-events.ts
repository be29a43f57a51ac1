import { Hono } from "hono/tiny";
import { receiveMailEvents } from "../../flows/receive-mail-events";
import type { AppEnv } from "../../http/context";

/**
 * POST /v1/mail-events/{provider}: the provider's delivery, bounce and complaint webhooks (no admin
 * auth: each provider's own signature, README "Provider events"). Bodies up to MAIL_EVENT_BODY_BYTES.
 */
export const mailEventRoutes = new Hono<AppEnv>().post("/:provider", async (c) =>
  c.json(await receiveMailEvents(c.get("deps"), c.req.param("provider"), await c.req.text(), c.req.raw.headers), 200),
);
