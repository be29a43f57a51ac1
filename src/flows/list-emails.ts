import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { decodeCursor, toPage } from "../domain/pagination";
import { listOutbox, type OutboxRow, type OutboxStatus } from "../outbox/store";

/** A page of the caller's tenant's outbox rows (root: every tenant's), newest first, cursor-paginated. */
export async function emailsPage(
  deps: Deps,
  scope: AdminScope,
  q: { status?: OutboxStatus; cursor?: string; limit?: number },
): Promise<{ emails: OutboxRow[]; nextCursor: string | null }> {
  const limit = q.limit ?? 50;
  const rows = await listOutbox(deps.db, {
    tenantId: scope.tenantId,
    status: q.status,
    after: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: limit + 1,
  });
  const { items, nextCursor } = toPage(rows, limit);
  return { emails: items, nextCursor };
}
