import { and, eq, type SQL } from "drizzle-orm";
import type { Db } from "./client";
import { users } from "./schema";

export type User = typeof users.$inferSelect;

/** Finds a user by tenant and normalized email. */
export async function findUserByEmail(db: Db, tenantId: string, email: string): Promise<User | null> {
  return (await db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.email, email))).get()) ?? null;
}

/** Finds a user by id (optionally within a tenant). */
export async function findUserById(db: Db, id: string, tenantId?: string): Promise<User | null> {
  const where = tenantId ? and(eq(users.id, id), eq(users.tenantId, tenantId)) : eq(users.id, id);
  return (await db.select().from(users).where(where).get()) ?? null;
}

/** Inserts a user; returns false when (tenant, email) is taken. */
export async function insertUser(db: Db, user: typeof users.$inferInsert): Promise<boolean> {
  const res = await db.insert(users).values(user).onConflictDoNothing().run();
  return res.meta.changes === 1;
}

/** Replaces a hash only if it is still the one we verified (a concurrent reset wins over a rehash). */
export async function rehashPassword(db: Db, userId: string, oldHash: string, newHash: string, now: number): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: newHash, updatedAt: now })
    .where(and(eq(users.id, userId), eq(users.passwordHash, oldHash)))
    .run();
}

/** Sets a new password and moves sessions_valid_after (batch item; optionally guarded). */
export const setPassword = (db: Db, userId: string, hash: string, now: number, guard?: SQL) =>
  db
    .update(users)
    .set({ passwordHash: hash, passwordChangedAt: now, sessionsValidAfter: now, updatedAt: now })
    .where(and(eq(users.id, userId), guard));
