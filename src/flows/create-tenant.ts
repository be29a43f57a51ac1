import { newId } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { insertTenant } from "../db/tenants";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { mintKey } from "./manage-api-keys";
import { enforceAdminWrite, requireRoot } from "./target-tenant";

/** Root only: creates a tenant and its first API key (every scope; shown once), in one batch. */
export async function createTenant(
  deps: Deps,
  scope: AdminScope,
  input: { name: string; tenantId?: string },
): Promise<{ tenantId: string; name: string; apiKey: string; apiKeyId: string }> {
  requireRoot(scope);
  await enforceAdminWrite(deps, scope);
  const now = deps.now();
  const tenantId = input.tenantId ?? newId("ten_");
  const { apiKey, key, statements } = await mintKey(deps, tenantId, "initial key", now, { actor: scope.actor });
  try {
    await deps.db.batch([
      insertTenant(deps.db, { id: tenantId, name: input.name, createdAt: now }),
      insertAudit(deps.db, auditRow(deps.meta, now, { type: "tenant.created", tenantId, data: { name: input.name } })),
      ...statements,
    ]);
  } catch (e) {
    if (/UNIQUE|constraint/i.test(String(e))) throw new AppError("TENANT_EXISTS");
    throw e;
  }
  return { tenantId, name: input.name, apiKey, apiKeyId: key.id };
}
