import { and, desc, eq, inArray, type SQL, sql } from "drizzle-orm";
import { hmacHex } from "../crypto/tokens";
import type { Cursor } from "../domain/pagination";
import type { Db } from "./client";
import { olderThan } from "./raw";
import { suppressions } from "./schema";

export type Suppression = typeof suppressions.$inferSelect;

/** The tenant id of a suppression that holds for every tenant. */
export const ALL_TENANTS = "*";

/**
 * Keyed hash of a normalized address, the same in every tenant (a suppression may hold for all):
 * the suppression list and outbox rows never store the address itself.
 */
export const suppressionKey = async (lookup: CryptoKey, email: string) =>
  (await hmacHex(lookup, `suppression:${email}`)).slice(0, 32);

/** SQL: true when `hash` is suppressed for `tenantId` (its own list or every tenant's). */
export const isSuppressed = (hash: unknown, tenantId: unknown): SQL =>
  sql`EXISTS (SELECT 1 FROM suppressions WHERE address_hash = ${hash} AND tenant_id IN (${tenantId}, '*'))`;

/** The suppressions a scope sees (a tenant: its own and every tenant's; root: all), newest first. */
export function listSuppressions(db: Db, q: { tenantId: string | null; after?: Cursor; limit: number }) {
  const c = suppressions;
  const after = olderThan(c, q.after);
  return db
    .select()
    .from(c)
    .where(and(q.tenantId !== null ? inArray(c.tenantId, [q.tenantId, ALL_TENANTS]) : undefined, after))
    .orderBy(desc(c.createdAt), desc(c.id))
    .limit(q.limit)
    .all();
}

/** One suppression the scope sees, or null. */
export async function findSuppression(db: Db, id: string, tenantId: string | null) {
  const scope = tenantId !== null ? inArray(suppressions.tenantId, [tenantId, ALL_TENANTS]) : undefined;
  return (
    (await db
      .select()
      .from(suppressions)
      .where(and(eq(suppressions.id, id), scope))
      .get()) ?? null
  );
}

/** Deletes a suppression (batch item). */
export const deleteSuppression = (db: Db, id: string) => db.delete(suppressions).where(eq(suppressions.id, id));
