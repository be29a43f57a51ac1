import { eq } from "drizzle-orm";
import type { Db } from "./client";
import { tenants } from "./schema";

export type Tenant = typeof tenants.$inferSelect;

/** Insert statement for a tenant (batch item). */
export const insertTenant = (db: Db, row: Tenant) => db.insert(tenants).values(row);

/** Finds a tenant by id. */
export async function findTenant(db: Db, id: string): Promise<Tenant | null> {
  return (await db.select().from(tenants).where(eq(tenants.id, id)).get()) ?? null;
}
