import { and, desc, eq, isNull, lt, or, sql } from "drizzle-orm";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { liveKeysBelow } from "./quotas";
import { apiKeys } from "./schema";

export type ApiKeyRow = typeof apiKeys.$inferSelect;

/** last_used_at is refreshed at most this often per key. */
export const LAST_USED_GRANULARITY_MS = 60_000;

/** Insert statement for a key (batch item). */
export const insertApiKey = (db: Db, row: typeof apiKeys.$inferInsert) => db.insert(apiKeys).values(row);

/** Insert statement for a key, made only while the tenant has fewer than `maxKeys` live ones (check its changes). */
export const insertApiKeyWithin = (db: Db, row: typeof apiKeys.$inferInsert, maxKeys: number) =>
  guardedInsert(db, apiKeys, row, liveKeysBelow(row.tenantId, maxKeys));

/** Guard of a statement that goes with a key's creation (its audit event): true once the key exists. */
export const apiKeyExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${apiKeys} WHERE ${apiKeys.id} = ${id})`;

/** The live (not revoked) key with this SHA-256, if any. */
export async function findLiveApiKey(db: Db, keyHash: string): Promise<ApiKeyRow | null> {
  return (
    (await db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .get()) ?? null
  );
}

/** The keys of a tenant (null: of every tenant), newest first; never the hashes. */
export async function listApiKeys(db: Db, tenantId: string | null) {
  const q = db
    .select({
      id: apiKeys.id,
      tenantId: apiKeys.tenantId,
      name: apiKeys.name,
      prefix: apiKeys.prefix,
      scopes: apiKeys.scopes,
      createdAt: apiKeys.createdAt,
      lastUsedAt: apiKeys.lastUsedAt,
      revokedAt: apiKeys.revokedAt,
    })
    .from(apiKeys);
  return (tenantId === null ? q : q.where(eq(apiKeys.tenantId, tenantId))).orderBy(desc(apiKeys.createdAt)).all();
}

/** Revokes a key of a tenant (null: any tenant); returns the key's tenant, or null when not found. */
export async function revokeApiKey(db: Db, id: string, tenantId: string | null, now: number): Promise<string | null> {
  const row = await db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(
      and(
        eq(apiKeys.id, id),
        tenantId === null ? undefined : eq(apiKeys.tenantId, tenantId),
        isNull(apiKeys.revokedAt),
      ),
    )
    .returning({ tenantId: apiKeys.tenantId })
    .get();
  return row?.tenantId ?? null;
}

/** Records a use; conditional, so concurrent requests of the same minute write at most once. */
export async function touchApiKey(db: Db, id: string, now: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now - LAST_USED_GRANULARITY_MS))),
    )
    .run();
}
