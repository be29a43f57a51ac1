import type { MiddlewareHandler } from "hono";
import { AppError } from "../domain/errors";
import { authenticateAdmin } from "../flows/authenticate-admin";
import type { AppEnv } from "./context";

/**
 * Admin routes: the caller's AdminScope from its Authorization header (see authenticateAdmin), else
 * 401. A request a browser marks as coming from another site's page is refused first: the admin API
 * is for servers and same-origin tools, and a credential a browser attaches on its own (a cached
 * Basic login) must never act for a page the admin merely visited.
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.req.header("Sec-Fetch-Site")?.toLowerCase() === "cross-site")
    throw new AppError("CROSS_SITE_REQUEST", "Admin requests from another site's pages are refused.");
  c.set("admin", await authenticateAdmin(c.get("deps"), c.req.header("Authorization") ?? ""));
  return next();
};
