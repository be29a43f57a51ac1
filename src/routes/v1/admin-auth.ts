import type { MiddlewareHandler } from "hono";
import { findLiveApiKey, LAST_USED_GRANULARITY_MS, touchApiKey } from "../../db/api-keys";
import { findClientWithSecret } from "../../db/clients";
import { findTenant } from "../../db/tenants";
import { AppError } from "../../domain/errors";
import { sha256Hex, timingSafeEqualStr } from "../../crypto/tokens";
import type { Deps } from "../../deps";
import { API_KEY_PREFIX } from "../../flows/api-keys";
import { resolveClient } from "../../flows/support";
import type { AdminScope, AppEnv } from "../../http/context";

const challenge = { "WWW-Authenticate": 'Bearer realm="resetkit", Basic realm="resetkit"' };

/**
 * Admin authentication: `Bearer <ADMIN_API_KEY>` (root, every tenant), `Bearer rk_live_...` (a tenant
 * API key: that tenant) or `Basic base64(clientId:clientSecret)` (that client's tenant). Secrets are
 * compared in constant time; API keys are looked up by their SHA-256 (256-bit keys: nothing to guess).
 */
export const adminAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const deps = c.get("deps");
  const header = c.req.header("Authorization") ?? "";
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer !== undefined) {
    const key = bearer.startsWith(API_KEY_PREFIX) ? await findLiveApiKey(deps.db, await sha256Hex(bearer)) : null;
    if (key) {
      // At most one write per key and minute, after the response: keeps D1 writes off the hot path.
      const now = deps.now();
      if (key.lastUsedAt === null || key.lastUsedAt < now - LAST_USED_GRANULARITY_MS) deps.defer(touchApiKey(deps.db, key.id, now));
      c.set("admin", { root: false, tenantId: key.tenantId });
      return next();
    }
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

/** Only the root key (ADMIN_API_KEY) passes. */
export const rootOnly: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get("admin").root) throw new AppError("FORBIDDEN", "Only the root API key may do this.");
  return next();
};

/**
 * The tenant a create request acts on: a tenant credential always acts on its own tenant (naming
 * another is FORBIDDEN); the root key names one with `tenantId`, else the default client's tenant.
 */
export async function targetTenant(deps: Deps, scope: AdminScope, wanted: string | undefined): Promise<string> {
  if (!scope.root) {
    if (wanted && wanted !== scope.tenantId) throw new AppError("FORBIDDEN", "A tenant credential acts on its own tenant only.");
    return scope.tenantId!;
  }
  if (!wanted) return (await resolveClient(deps, null)).tenantId;
  if (!(await findTenant(deps.db, wanted))) throw new AppError("TENANT_NOT_FOUND", `No tenant with id ${wanted}.`);
  return wanted;
}
