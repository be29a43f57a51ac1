import type { Context, MiddlewareHandler } from "hono";
import { hasScope, type Scope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import type { AppEnv } from "./context";

/**
 * Guards an admin route (after adminAuth): the credential must hold `scope`. `ownClient`, where
 * given, names the client a request acts through; Basic credentials of exactly that client pass
 * too (a backend may start the seed-004 reset through its own client and read its own client,
 * nothing else). Everything else is 403 INSUFFICIENT_SCOPE naming the scope.
 */
export const requireScope =
  (scope: Scope, ownClient?: (c: Context<AppEnv>) => string | undefined): MiddlewareHandler<AppEnv> =>
  async (c, next) => {
    const admin = c.get("admin");
    if (hasScope(admin, scope)) return next();
    if (ownClient && admin.clientId !== null && ownClient(c) === admin.clientId) return next();
    throw new AppError("INSUFFICIENT_SCOPE", `This needs the ${scope} scope.`, undefined, {
      "WWW-Authenticate": `Bearer realm="resetkit", error="insufficient_scope", scope="${scope}"`,
    });
  };
