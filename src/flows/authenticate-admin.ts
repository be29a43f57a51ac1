import { sha256Hex, timingSafeEqualStr } from "../crypto/tokens";
import { findLiveApiKey, LAST_USED_GRANULARITY_MS, touchApiKey } from "../db/api-keys";
import { findClientWithSecret } from "../db/clients";
import type { Deps } from "../deps";
import { type AdminScope, parseScopes, SCOPES } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { API_KEY_PREFIX } from "./manage-api-keys";

// Bearer only, even though Basic client credentials are accepted: a Basic challenge makes browsers
// prompt for credentials and then attach them to every request to this origin, cross-site ones too.
const challenge = { "WWW-Authenticate": 'Bearer realm="resetkit"' };

/**
 * Admin authentication from an Authorization header: `Bearer <ADMIN_API_KEY>` (root, every tenant),
 * `Bearer rk_live_...` (a tenant API key: that tenant, with the key's scopes) or
 * `Basic base64(clientId:clientSecret)` (that client's tenant, no scope: only what routes allow a
 * client on its own behalf, see src/http/require-scope.ts). Secrets are compared in constant time; API keys are looked up by their SHA-256
 * (256-bit keys: nothing to guess). Anything else is UNAUTHORIZED with a challenge.
 */
export async function authenticateAdmin(deps: Deps, header: string): Promise<AdminScope> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  if (bearer !== undefined) {
    const key = bearer.startsWith(API_KEY_PREFIX) ? await findLiveApiKey(deps.db, await sha256Hex(bearer)) : null;
    if (key) {
      // At most one write per key and minute, after the response: keeps D1 writes off the hot path.
      const now = deps.now();
      if (key.lastUsedAt === null || key.lastUsedAt < now - LAST_USED_GRANULARITY_MS)
        deps.defer(touchApiKey(deps.db, key.id, now));
      return {
        root: false,
        tenantId: key.tenantId,
        scopes: parseScopes(key.scopes),
        clientId: null,
        actor: { type: "api_key", id: key.id },
      };
    }
    if (await timingSafeEqualStr(bearer, deps.config.adminApiKey))
      return { root: true, tenantId: null, scopes: SCOPES, clientId: null, actor: { type: "root" } };
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
      const { id, tenantId } = found.client;
      return { root: false, tenantId, scopes: [], clientId: id, actor: { type: "client", id } };
    }
    throw new AppError("UNAUTHORIZED", "The client credentials are not valid.", undefined, challenge);
  }
  throw new AppError("UNAUTHORIZED", "Send an API key (Bearer) or client credentials (Basic).", undefined, challenge);
}
