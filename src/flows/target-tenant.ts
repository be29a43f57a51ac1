import { findTenant } from "../db/tenants";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { resolveClient } from "./resolve-client";
import { enforceLimit } from "./throttle";

/**
 * Counts one admin write (create, update, delete, rotate, import, reset, retry) against the
 * credential's tenant — the root key has a bucket of its own — so one tenant's script cannot
 * saturate the shared D1 with writes (RATE_LIMITS.adminWritesPerTenant). Reads are not counted.
 */
export const enforceAdminWrite = (deps: Deps, scope: AdminScope): Promise<void> =>
  enforceLimit(deps, "adminWritesPerTenant", scope.tenantId ?? "root");

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
