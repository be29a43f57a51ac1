import type { MiddlewareHandler } from "hono";
import { authenticateAdmin } from "../flows/authenticate-admin";
import type { AppEnv } from "./context";

/** Admin routes: the caller's AdminScope from its Authorization header (see authenticateAdmin), else 401. */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  c.set("admin", await authenticateAdmin(c.get("deps"), c.req.header("Authorization") ?? ""));
  return next();
};
