import { eq, sql } from "drizzle-orm";
import type { LegacyWork } from "../crypto/legacy-hash";
import { costNs, VERIFY_BUDGET_NS } from "../crypto/legacy-hash";
import type { Db } from "./client";
import { tenants, users } from "./schema";

export type Tenant = typeof tenants.$inferSelect;

/** Insert statement for a tenant (batch item). */
export const insertTenant = (db: Db, row: Omit<Tenant, "legacyVerify">) => db.insert(tenants).values(row);

/** Finds a tenant by id. */
export async function findTenant(db: Db, id: string): Promise<Tenant | null> {
  return (await db.select().from(tenants).where(eq(tenants.id, id)).get()) ?? null;
}

/** The tenant's legacy_verify column (batch item, so sign-in reads it in its one round trip); see legacyFloor. */
export const legacyFloorRow = (db: Db, tenantId: string) =>
  db.select({ v: tenants.legacyVerify }).from(tenants).where(eq(tenants.id, tenantId)).limit(1);

/**
 * The work of one verification at the CPU budget (600,000 SHA-256 iterations through the HMAC
 * loop): the floor of a tenant whose dearest imported hash is above the budget (imported before it
 * existed). Such a hash is never run, so padding every sign-in to it would only burn CPU.
 */
const BUDGET_FLOOR: LegacyWork = { digest: "SHA-256", iterations: 600_000, blocks: 1 };

/**
 * The tenant's sign-in floor from its legacyFloorRow: the work of its dearest imported hash, at
 * most the CPU budget of one verification, or null when it has none.
 */
export function legacyFloor(rows: { v: string | null }[]): LegacyWork | null {
  const v = rows[0]?.v;
  if (!v) return null;
  try {
    const w = JSON.parse(v) as LegacyWork;
    if (!((w.digest === "SHA-256" || w.digest === "SHA-512") && w.iterations > 0 && w.blocks > 0)) return null;
    return costNs(w) > VERIFY_BUDGET_NS ? BUDGET_FLOOR : w;
  } catch {
    return null;
  }
}

/**
 * Raises the tenant's floor to `work` unless it is already as dear: a raw statement for the D1
 * batch of an import (src/flows/import-users.ts), which returns no rows.
 */
export const raiseLegacyFloor = (db: Db, tenantId: string, work: LegacyWork) => {
  const cost = costNs(work);
  return db.$client
    .prepare(
      `UPDATE tenants SET legacy_verify = ?1 WHERE id = ?2
       AND (legacy_verify IS NULL OR coalesce(json_extract(legacy_verify, '$.cost'), 0) < ?3)`,
    )
    .bind(JSON.stringify({ ...work, cost }), tenantId, cost);
};

/**
 * Clears the floor of every tenant with no imported hash left (all upgraded at sign-in, reset or
 * deleted): one statement, whose scan of a tenant's users stops at its first imported hash.
 */
export async function clearLegacyFloors(db: Db): Promise<number> {
  const res = await db
    .update(tenants)
    .set({ legacyVerify: null })
    .where(
      sql`${tenants.legacyVerify} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.tenantId} = ${tenants.id} AND ${users.passwordHash} LIKE '$pbkdf2-%')`,
    )
    .run();
  return res.meta.changes;
}
