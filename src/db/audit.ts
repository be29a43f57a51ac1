import { inArray, lt } from "drizzle-orm";
import { newId } from "../crypto/tokens";
import type { RequestMeta } from "../domain/request";
import type { Db } from "./client";
import { placeholders, prebuiltByShape } from "./raw";
import { auditEvents } from "./schema";

export type AuditRow = typeof auditEvents.$inferInsert;

/** Keeps only the network part of an address: /24 for IPv4, /48 for IPv6 (privacy: no full IPs at rest). */
export function ipPrefix(ip: string | null): string | null {
  if (!ip) return null;
  if (ip.includes(":")) return `${ip.split(":").slice(0, 3).join(":")}::/48`;
  const parts = ip.split(".");
  return parts.length === 4 ? `${parts.slice(0, 3).join(".")}.0/24` : null;
}

/** Builds an audit row. */
export function auditRow(
  meta: Pick<RequestMeta, "requestId" | "ip" | "country" | "userAgent"> | null,
  now: number,
  e: {
    type: string;
    tenantId: string;
    clientId?: string | null;
    userId?: string | null;
    data?: Record<string, unknown>;
  },
): AuditRow {
  return {
    id: newId("evt_"),
    tenantId: e.tenantId,
    clientId: e.clientId ?? null,
    userId: e.userId ?? null,
    type: e.type,
    requestId: meta?.requestId ?? null,
    ipPrefix: ipPrefix(meta?.ip ?? null),
    country: meta?.country ?? null,
    userAgent: meta?.userAgent?.slice(0, 256) ?? null,
    data: JSON.stringify(e.data ?? {}),
    createdAt: now,
  };
}

const buildInsert = (db: Db, row: AuditRow) => db.insert(auditEvents).values(row);
/** Insert statement for an audit row (usable inside a batch, or alone with `.run()`); built once per isolate. */
export const insertAudit: typeof buildInsert = prebuiltByShape(
  (db, keys) => buildInsert(db, placeholders(keys) as unknown as AuditRow),
  buildInsert,
);

/** Deletes audit events created before `before`, at most `limit` (retention, AUDIT_RETENTION_DAYS). */
export async function purgeAudit(db: Db, before: number, limit: number): Promise<number> {
  const ids = db.select({ id: auditEvents.id }).from(auditEvents).where(lt(auditEvents.createdAt, before)).limit(limit);
  return (await db.delete(auditEvents).where(inArray(auditEvents.id, ids)).run()).meta.changes;
}

/**
 * Inserts many audit rows in one statement (json_each over one bound parameter), keeping only
 * those whose user exists, so a batch can audit exactly the rows an earlier statement inserted.
 */
export function insertAuditForExistingUsers(db: Db, rows: AuditRow[]) {
  const json = JSON.stringify(
    rows.map((r) => [
      r.id,
      r.tenantId,
      r.clientId,
      r.userId,
      r.type,
      r.requestId,
      r.ipPrefix,
      r.country,
      r.userAgent,
      r.data,
      r.createdAt,
    ]),
  );
  return db.$client
    .prepare(
      `INSERT INTO audit_events (id, tenant_id, client_id, user_id, type, request_id, ip_prefix, country, user_agent, data, created_at)
       SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, value->>7, value->>8, value->>9, value->>10
       FROM json_each(?) WHERE EXISTS (SELECT 1 FROM users WHERE users.id = value->>3)`,
    )
    .bind(json);
}
