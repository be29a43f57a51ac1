import type { MiddlewareHandler } from "hono";
import { findClientWithSecret } from "../../db/clients";
import { AppError } from "../../domain/errors";
import { sha256Hex, timingSafeEqualStr } from "../../crypto/tokens";
import type { AppEnv } from "../../http/context";

const challenge = { "WWW-Authenticate": 'Bearer realm="resetkit", Basic realm="resetkit"' };

/**
 * Admin authentication: `Bearer <ADMIN_API_KEY>` (root, every tenant) or
 * `Basic base64(clientId:clientSecret)` (that client's tenant). Secrets compared in constant time.
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const deps = c.get("deps");
  const header = c.req.header("Authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer !== undefined) {
    if (await timingSafeEqualStr(bearer, deps.config.adminApiKey)) {
      c.set("admin", { root: true, tenantId: null });
      return next();
    }
    throw new AppError("UNAUTHORIZED", "The API key is not valid.", undefined, challenge);
  }
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(header)?.[1];
  if (basic !== undefined) {
    let decoded = "";
    try {
      decoded = atob(basic);
    } catch {
      /* falls through to 401 */
    }
    const sep = decoded.indexOf(":");
    const found = sep > 0 ? await findClientWithSecret(deps.db, decoded.slice(0, sep)) : null;
    const given = await sha256Hex(decoded.slice(sep + 1));
    // Compare even when the client is unknown, so timing does not reveal which client ids exist.
    const ok = await timingSafeEqualStr(given, found?.secretHash ?? "0".repeat(64));
    if (found?.secretHash && ok) {
      c.set("admin", { root: false, tenantId: found.client.tenantId });
      return next();
    }
    throw new AppError("UNAUTHORIZED", "The client credentials are not valid.", undefined, challenge);
  }
  throw new AppError("UNAUTHORIZED", "Send an API key (Bearer) or client credentials (Basic).", undefined, challenge);
};
