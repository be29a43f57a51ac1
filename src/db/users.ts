import { and, eq, type Placeholder, type SQL, sql } from "drizzle-orm";
import { newId } from "../crypto/tokens";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { usersBelow } from "./quotas";
import { prebuilt } from "./raw";
import { users } from "./schema";

export type User = typeof users.$inferSelect;

/** Finds a user by tenant and normalized email. */
export async function findUserByEmail(db: Db, tenantId: string, email: string): Promise<User | null> {
  return (
    (await db
      .select()
      .from(users)
      .where(and(eq(users.tenantId, tenantId), eq(users.email, email)))
      .get()) ?? null
  );
}

/** Select of a user by tenant and normalized email, as a batch item (result: [] or [user]). */
const byEmail = prebuilt((db) =>
  db
    .select()
    .from(users)
    .where(and(eq(users.tenantId, sql.placeholder("tenantId")), eq(users.email, sql.placeholder("email"))))
    .limit(1),
);
export const userByEmail = (db: Db, tenantId: string, email: string) => byEmail(db, { tenantId, email });

/** Select of the users with these (tenant, normalized email) pairs, in no order, as one batch item. */
const byEmails = prebuilt((db) =>
  db
    .select()
    .from(users)
    .where(
      sql`(${users.tenantId}, ${users.email}) IN (SELECT value->>0, value->>1 FROM json_each(${sql.placeholder("pairs")}))`,
    ),
);
export const usersByEmails = (db: Db, pairs: { tenantId: string; email: string }[]) =>
  byEmails(db, { pairs: JSON.stringify(pairs.map((p) => [p.tenantId, p.email])) });

/** True while a user of the tenant with this normalized email exists and is not disabled (a SQL condition). */
export const enabledUserWithEmail = (tenantId: string | Placeholder | SQL, email: string | Placeholder | SQL) =>
  sql`EXISTS (SELECT 1 FROM ${users} WHERE ${users.tenantId} = ${tenantId} AND ${users.email} = ${email} AND ${users.disabled} = 0)`;

/** Finds a user by id (optionally within a tenant). */
export async function findUserById(db: Db, id: string, tenantId?: string): Promise<User | null> {
  const where = tenantId ? and(eq(users.id, id), eq(users.tenantId, tenantId)) : eq(users.id, id);
  return (await db.select().from(users).where(where).get()) ?? null;
}

/** A new user row: ids, defaults and timestamps set once for every way a user is created. */
export function newUser(
  tenantId: string,
  u: {
    email: string;
    name?: string | null;
    locale?: string | null;
    passwordHash: string | null;
    disabled?: boolean;
    mfa?: boolean;
    mustResetPassword?: boolean;
  },
  now: number,
): User {
  return {
    id: newId("usr_"),
    tenantId,
    email: u.email,
    name: u.name ?? null,
    locale: u.locale ?? null,
    passwordHash: u.passwordHash,
    passwordChangedAt: u.passwordHash ? now : null,
    sessionsValidAfter: 0,
    disabled: u.disabled ?? false,
    lockedAt: null,
    mustResetPassword: u.mustResetPassword ?? false,
    mfa: u.mfa ?? false,
    createdAt: now,
    updatedAt: now,
  };
}

/** Inserts a user unless (tenant, email) is taken or the tenant already has `maxUsers` (one statement). */
export async function insertUser(db: Db, user: User, maxUsers: number): Promise<"inserted" | "exists" | "quota"> {
  const res = await guardedInsert(db, users, user, usersBelow(user.tenantId, maxUsers), { orIgnore: true });
  if (res.meta.changes === 1) return "inserted";
  return (await findUserByEmail(db, user.tenantId, user.email)) ? "exists" : "quota";
}

/** Replaces a hash only if it is still the one we verified (a concurrent reset wins over a rehash). */
export async function rehashPassword(
  db: Db,
  userId: string,
  oldHash: string,
  newHash: string,
  now: number,
): Promise<void> {
  await db
    .update(users)
    .set({ passwordHash: newHash, updatedAt: now })
    .where(and(eq(users.id, userId), eq(users.passwordHash, oldHash)))
    .run();
}

/**
 * Sets a new password and moves sessions_valid_after (batch item; optionally guarded). A new password
 * also ends an account lock and a forced reset: both wait for exactly this.
 */
export const setPassword = (db: Db, userId: string, hash: string, now: number, guard?: SQL) =>
  db
    .update(users)
    .set({
      passwordHash: hash,
      passwordChangedAt: now,
      sessionsValidAfter: now,
      updatedAt: now,
      lockedAt: null,
      mustResetPassword: false,
    })
    .where(and(eq(users.id, userId), guard));

/** Update statement for a user's profile fields (batch item). */
export const updateUserRow = (
  db: Db,
  userId: string,
  patch: Partial<
    Pick<User, "email" | "name" | "locale" | "disabled" | "sessionsValidAfter" | "mfa" | "mustResetPassword">
  >,
  now: number,
) =>
  db
    .update(users)
    .set({ ...patch, updatedAt: now })
    .where(eq(users.id, userId));

/** Delete statement for a user (batch item). */
export const deleteUserRow = (db: Db, userId: string) => db.delete(users).where(eq(users.id, userId));

/**
 * Inserts many users in one statement (json_each over one bound JSON parameter: D1 allows only
 * 100 bound parameters per statement), skipping addresses already taken. Batch item.
 */
export function insertUsersJson(db: Db, rows: User[]) {
  const json = JSON.stringify(
    rows.map((u) => [
      u.id,
      u.tenantId,
      u.email,
      u.name,
      u.locale,
      u.passwordHash,
      u.passwordChangedAt,
      u.disabled ? 1 : 0,
      u.createdAt,
      u.mfa ? 1 : 0,
      u.mustResetPassword ? 1 : 0,
    ]),
  );
  return db.$client
    .prepare(
      `INSERT INTO users (id, tenant_id, email, name, locale, password_hash, password_changed_at, sessions_valid_after, disabled, created_at, updated_at, mfa, must_reset_password)
       SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, 0, value->>7, value->>8, value->>8, value->>9, value->>10 FROM json_each(?)
       WHERE true ON CONFLICT DO NOTHING RETURNING id`,
    )
    .bind(json);
}
