import { and, count, eq, gt, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { apiKeys, auditEvents, clients, users } from "./schema";

// Tenant quotas (TENANT_QUOTAS) as conditions of the inserting statement itself: D1 runs one
// statement at a time, so concurrent creations cannot pass a quota together.

/** True while the tenant has fewer than `limit` users (guard of an INSERT ... SELECT). */
export const usersBelow = (tenantId: string, limit: number): SQL =>
  sql`(SELECT count(*) FROM ${users} WHERE ${users.tenantId} = ${tenantId}) < ${limit}`;

/** True while the tenant has fewer than `limit` clients. */
export const clientsBelow = (tenantId: string, limit: number): SQL =>
  sql`(SELECT count(*) FROM ${clients} WHERE ${clients.tenantId} = ${tenantId}) < ${limit}`;

/** True while the tenant has fewer than `limit` live (not revoked) API keys. */
export const liveKeysBelow = (tenantId: string, limit: number): SQL =>
  sql`(SELECT count(*) FROM ${apiKeys} WHERE ${apiKeys.tenantId} = ${tenantId} AND ${apiKeys.revokedAt} IS NULL) < ${limit}`;

/** The tenant's number of users. */
export async function countUsers(db: Db, tenantId: string): Promise<number> {
  const row = await db.select({ n: count() }).from(users).where(eq(users.tenantId, tenantId)).get();
  return row?.n ?? 0;
}

/** Audit type of one import call (one row per call, whatever its size): what importsPerDay counts. */
export const IMPORT_EVENT = "users.imported";

/** The tenant's import calls since `since` (index audit_events_tenant_type_idx). */
export async function countImportsSince(db: Db, tenantId: string, since: number): Promise<number> {
  const row = await db
    .select({ n: count() })
    .from(auditEvents)
    .where(
      and(eq(auditEvents.tenantId, tenantId), eq(auditEvents.type, IMPORT_EVENT), gt(auditEvents.createdAt, since)),
    )
    .get();
  return row?.n ?? 0;
}
