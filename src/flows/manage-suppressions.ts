import { auditRow, insertAudit } from "../db/audit";
import {
  ALL_TENANTS,
  deleteSuppression,
  findSuppression,
  listSuppressions,
  type Suppression,
} from "../db/suppressions";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { decodeCursor, toPage } from "../domain/pagination";
import { enforceAdminWrite, requireRoot } from "./target-tenant";

/** A page of the suppressions the caller sees (its tenant's and every tenant's; root: all), newest first. */
export async function suppressionsPage(
  deps: Deps,
  scope: AdminScope,
  q: { cursor?: string; limit?: number },
): Promise<{ suppressions: Suppression[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const rows = await listSuppressions(deps.db, {
    tenantId: scope.tenantId,
    after: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: limit + 1,
  });
  const { items, nextCursor } = toPage(rows, limit);
  return { suppressions: items, nextCursor };
}

/**
 * Lifts a suppression: the address gets email again from the next message on. One that holds for
 * every tenant (the event named no message of ours) is lifted by the root key only (FORBIDDEN).
 */
export async function liftSuppression(deps: Deps, scope: AdminScope, id: string): Promise<void> {
  await enforceAdminWrite(deps, scope);
  const row = await findSuppression(deps.db, id, scope.tenantId);
  if (!row) throw new AppError("SUPPRESSION_NOT_FOUND", `No suppression with id ${id}.`);
  if (row.tenantId === ALL_TENANTS) requireRoot(scope);
  await deps.db.batch([
    deleteSuppression(deps.db, id),
    insertAudit(
      deps.db,
      auditRow(deps.meta, deps.now(), {
        type: "email.suppression_lifted",
        tenantId: row.tenantId,
        data: { suppressionId: id, email: row.maskedAddress, reason: row.reason, by: scope.actor },
      }),
    ),
  ]);
}
