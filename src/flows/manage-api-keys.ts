import { b64url, randomBytes } from "../crypto/encoding";
import { newId, sha256Hex } from "../crypto/tokens";
import {
  type ApiKeyRow,
  apiKeyExists,
  insertApiKey,
  insertApiKeyWithin,
  listApiKeys,
  revokeApiKey,
} from "../db/api-keys";
import { auditRow, insertAudit } from "../db/audit";
import { guardedInsert } from "../db/guarded";
import { auditEvents } from "../db/schema";
import type { Deps } from "../deps";
import { type Actor, type AdminScope, hasScope, parseScopes, SCOPES, type Scope } from "../domain/admin-scope";
import { AppError, quotaExceeded } from "../domain/errors";
import { enforceAdminWrite, targetTenant } from "./target-tenant";

/** Every tenant API key starts with this, so secret scanners and people recognise one. */
export const API_KEY_PREFIX = "rk_live_";

/** A stored key without its hash: what the API may show. */
export type ApiKeyView = Omit<ApiKeyRow, "keyHash" | "scopes"> & { scopes: Scope[] };

const view = ({ scopes, ...k }: Omit<ApiKeyRow, "keyHash">): ApiKeyView => ({ ...k, scopes: parseScopes(scopes) });

/** Mints a key (256 bits, base64url) and the statements that store its SHA-256 and audit it. */
export async function mintKey(
  deps: Deps,
  tenantId: string,
  name: string,
  now: number,
  opts: { scopes?: readonly Scope[]; actor: Actor },
) {
  const apiKey = API_KEY_PREFIX + b64url(randomBytes(32));
  const scopes = SCOPES.filter((s) => (opts.scopes ?? SCOPES).includes(s));
  const row: ApiKeyRow = {
    id: newId("key_"),
    tenantId,
    name,
    prefix: apiKey.slice(0, API_KEY_PREFIX.length + 4),
    keyHash: await sha256Hex(apiKey),
    scopes: JSON.stringify(scopes),
    createdAt: now,
    lastUsedAt: null,
    revokedAt: null,
  };
  const audit = auditRow(deps.meta, now, {
    type: "api_key.created",
    tenantId,
    data: { keyId: row.id, name, scopes, actor: opts.actor },
  });
  const { keyHash: _secret, ...key } = row;
  return {
    apiKey,
    key: view(key),
    row,
    audit,
    statements: [insertApiKey(deps.db, row), insertAudit(deps.db, audit)] as const,
  };
}

/**
 * Creates an API key for the caller's tenant; the key itself is returned once and never again.
 * Omitted scopes mean every scope. A tenant key grants only scopes it holds itself, so keys:write
 * never turns a narrow key into a full one.
 */
export async function createApiKey(
  deps: Deps,
  scope: AdminScope,
  input: { name: string; tenantId?: string; scopes?: Scope[] },
): Promise<{ key: ApiKeyView; apiKey: string }> {
  await enforceAdminWrite(deps, scope);
  const tenantId = await targetTenant(deps, scope, input.tenantId);
  const missing = (input.scopes ?? SCOPES).filter((s) => !hasScope(scope, s));
  if (missing.length)
    throw new AppError("INSUFFICIENT_SCOPE", `A key may only grant scopes it holds; missing: ${missing.join(", ")}.`);
  const maxKeys = deps.config.quotas.apiKeys;
  const { apiKey, key, row, audit } = await mintKey(deps, tenantId, input.name, deps.now(), {
    scopes: input.scopes,
    actor: scope.actor,
  });
  // Within TENANT_QUOTAS.apiKeys live keys, checked by the inserting statement itself.
  const [created] = await deps.db.batch([
    insertApiKeyWithin(deps.db, row, maxKeys),
    guardedInsert(deps.db, auditEvents, audit, apiKeyExists(row.id)),
  ]);
  if (created.meta.changes === 0) throw quotaExceeded("apiKeys", maxKeys);
  return { key, apiKey };
}

/** The caller's keys (root: every tenant's). */
export async function listKeys(deps: Deps, scope: AdminScope): Promise<ApiKeyView[]> {
  return (await listApiKeys(deps.db, scope.tenantId)).map(view);
}

/** Revokes a key of the caller's tenant; another tenant's key is "not found", never revealed. */
export async function revokeKey(deps: Deps, scope: AdminScope, id: string): Promise<void> {
  await enforceAdminWrite(deps, scope);
  const now = deps.now();
  const tenantId = await revokeApiKey(deps.db, id, scope.tenantId, now);
  if (!tenantId) throw new AppError("API_KEY_NOT_FOUND", `No live API key with id ${id}.`);
  await insertAudit(
    deps.db,
    auditRow(deps.meta, now, { type: "api_key.revoked", tenantId, data: { keyId: id, actor: scope.actor } }),
  ).run();
}
