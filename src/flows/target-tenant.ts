import { findTenant } from "../db/tenants";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { resolveClient } from "./resolve-client";

/** FORBIDDEN unless the caller holds the root key (ADMIN_API_KEY). */
export function requireRoot(scope: AdminScope): void {
  if (!scope.root) throw new AppError("FORBIDDEN", "Only the root API key may do this.");
}

/**
 * The tenant a create request acts on: a tenant credential always acts on its own tenant (naming
 * another is FORBIDDEN); the root key names one with `tenantId`, else the default client's tenant.
 */
export async function targetTenant(deps: Deps, scope: AdminScope, wanted: string | undefined): Promise<string> {
  if (!scope.root) {
    if (wanted && wanted !== scope.tenantId)
      throw new AppError("FORBIDDEN", "A tenant credential acts on its own tenant only.");
    return scope.tenantId!;
  }
  if (!wanted) return (await resolveClient(deps, null)).tenantId;
  if (!(await findTenant(deps.db, wanted))) throw new AppError("TENANT_NOT_FOUND", `No tenant with id ${wanted}.`);
  return wanted;
}
