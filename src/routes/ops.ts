import { Hono } from "hono/tiny";
import { checkHealth } from "../flows/check-health";
import type { AppEnv } from "../http/context";

/** GET /healthz (D1 and KV reachable), GET /.well-known/jwks.json. */
export const opsRoutes = new Hono<AppEnv>()
  .get("/healthz", async (c) => {
    const { ok, checks } = await checkHealth(c.get("deps"));
    return c.json({ status: ok ? ("ok" as const) : ("degraded" as const), checks }, ok ? 200 : 503);
  })
  .get("/.well-known/jwks.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(c.get("deps").config.signing.jwks, 200);
  });
