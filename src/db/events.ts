import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { olderThan } from "./raw";
import { auditEvents } from "./schema";

export type EventRow = typeof auditEvents.$inferSelect;

export interface EventQuery {
  /** null: every tenant (root key only). */
  tenantId: string | null;
  userId?: string;
  /** Exact type, or a prefix ending in ".*" (e.g. "password_reset.*"). */
  type?: string;
  since?: number;
  /** The (createdAt, id) of the last event of the previous page. */
  after?: { createdAt: number; id: string };
  limit: number;
}

/** Audit events, newest first, keyset-paginated on (created_at, id): stable while new events arrive. */
export async function listEvents(db: Db, q: EventQuery): Promise<EventRow[]> {
  const conditions: (SQL | undefined)[] = [
    q.tenantId === null ? undefined : eq(auditEvents.tenantId, q.tenantId),
    q.userId ? eq(auditEvents.userId, q.userId) : undefined,
    // "a.b.*" is the range ["a.b.", "a.b/"): '/' follows '.', and a range can use the type index.
    q.type?.endsWith(".*")
      ? and(gte(auditEvents.type, q.type.slice(0, -1)), lt(auditEvents.type, `${q.type.slice(0, -2)}/`))
      : q.type
        ? eq(auditEvents.type, q.type)
        : undefined,
    q.since !== undefined ? gte(auditEvents.createdAt, q.since) : undefined,
    olderThan(auditEvents, q.after),
  ];
  return db
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.createdAt), desc(auditEvents.id))
    .limit(q.limit)
    .all();
}
