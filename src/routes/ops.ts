import { Hono } from "hono";
import type { AppEnv } from "../http/context";

/** GET /healthz (D1 and KV reachable), GET /.well-known/jwks.json. */
export const opsRoutes = new Hono<AppEnv>()
  .get("/healthz", async (c) => {
    const check = async (fn: () => Promise<unknown>) => {
      try {
        await fn();
        return "ok" as const;
      } catch {
        return "error" as const;
      }
    };
    const [d1, kv] = await Promise.all([
      check(() => c.env.DB.prepare("SELECT 1").first()),
      check(() => c.env.RATE_LIMIT_KV.get("healthz")),
    ]);
    const ok = d1 === "ok" && kv === "ok";
    return c.json({ status: ok ? "ok" : "degraded", checks: { d1, kv } }, ok ? 200 : 503);
  })
  .get("/.well-known/jwks.json", (c) => {
    c.header("Cache-Control", "public, max-age=300");
    return c.json(c.get("deps").config.signing.jwks, 200);
  });
