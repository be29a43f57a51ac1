import type { Deps } from "../deps";
import { insertApiKey, listApiKeys, revokeApiKey } from "../db/api-keys";
import { auditRow, insertAudit } from "../db/audit";
import { insertTenant } from "../db/tenants";
import { AppError } from "../domain/errors";
import { b64url, randomBytes } from "../crypto/encoding";
import { newId, sha256Hex } from "../crypto/tokens";
import type { AdminScope } from "../http/context";

/** Every tenant API key starts with this, so secret scanners and people recognise one. */
export const API_KEY_PREFIX = "rk_live_";

/** The API view of a key (never the key or its hash). */
export interface PublicApiKey {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Mints a key (256 bits, base64url) and the statements that store its SHA-256 and audit it. */
async function mintKey(deps: Deps, tenantId: string, name: string, now: number) {
  const apiKey = API_KEY_PREFIX + b64url(randomBytes(32));
  const row = { id: newId("key_"), tenantId, name, prefix: apiKey.slice(0, API_KEY_PREFIX.length + 4), keyHash: await sha256Hex(apiKey), createdAt: now };
  const audit = auditRow(deps.meta, now, { type: "api_key.created", tenantId, data: { keyId: row.id, name } });
  const view: PublicApiKey = { id: row.id, tenantId, name, prefix: row.prefix, createdAt: iso(now)!, lastUsedAt: null, revokedAt: null };
  return { apiKey, view, statements: [insertApiKey(deps.db, row), insertAudit(deps.db, audit)] as const };
}

/** Root only: creates a tenant and its first API key (shown once). */
export async function createTenant(deps: Deps, input: { name: string; tenantId?: string }): Promise<{ tenantId: string; name: string; apiKey: string; apiKeyId: string }> {
  const now = deps.now();
  const tenantId = input.tenantId ?? newId("ten_");
  const key = await mintKey(deps, tenantId, "initial key", now);
  try {
    await deps.db.batch([
      insertTenant(deps.db, { id: tenantId, name: input.name, createdAt: now }),
      insertAudit(deps.db, auditRow(deps.meta, now, { type: "tenant.created", tenantId, data: { name: input.name } })),
      ...key.statements,
    ]);
  } catch (e) {
    if (/UNIQUE|constraint/i.test(String(e))) throw new AppError("TENANT_EXISTS");
    throw e;
  }
  return { tenantId, name: input.name, apiKey: key.apiKey, apiKeyId: key.view.id };
}

/** Creates an API key for a tenant; the key itself is returned once and never again. */
export async function createApiKey(deps: Deps, tenantId: string, name: string): Promise<PublicApiKey & { apiKey: string }> {
  const key = await mintKey(deps, tenantId, name, deps.now());
  await deps.db.batch(key.statements);
  return { ...key.view, apiKey: key.apiKey };
}

/** The caller's keys (root: every tenant's). */
export async function listKeys(deps: Deps, scope: AdminScope): Promise<PublicApiKey[]> {
  const rows = await listApiKeys(deps.db, scope.tenantId);
  return rows.map((r) => ({ ...r, createdAt: iso(r.createdAt)!, lastUsedAt: iso(r.lastUsedAt), revokedAt: iso(r.revokedAt) }));
}

/** Revokes a key of the caller's tenant; another tenant's key is "not found", never revealed. */
export async function revokeKey(deps: Deps, scope: AdminScope, id: string): Promise<void> {
  const now = deps.now();
  const tenantId = await revokeApiKey(deps.db, id, scope.tenantId, now);
  if (!tenantId) throw new AppError("API_KEY_NOT_FOUND", `No live API key with id ${id}.`);
  await insertAudit(deps.db, auditRow(deps.meta, now, { type: "api_key.revoked", tenantId, data: { keyId: id } })).run();
}
