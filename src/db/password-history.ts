import { and, desc, eq, notInArray, type SQL } from "drizzle-orm";
import { newId } from "../crypto/tokens";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { passwordHistory } from "./schema";

/** History rows kept per user: the largest historySize a client may choose (10) minus the current one. */
export const HISTORY_KEEP = 9;

/** The user's previous hashes, newest first (the current one lives in users.password_hash). */
export async function previousHashes(db: Db, userId: string, limit: number): Promise<string[]> {
  if (limit <= 0) return [];
  const rows = await db
    .select({ h: passwordHistory.passwordHash })
    .from(passwordHistory)
    .where(eq(passwordHistory.userId, userId))
    .orderBy(desc(passwordHistory.createdAt))
    .limit(limit)
    .all();
  return rows.map((r) => r.h);
}

/** Batch items that push the replaced hash into the history and trim it (both guarded like the rest of the batch). */
export function rememberOldHash(db: Db, userId: string, oldHash: string, now: number, guard: SQL) {
  const keep = db
    .select({ id: passwordHistory.id })
    .from(passwordHistory)
    .where(eq(passwordHistory.userId, userId))
    .orderBy(desc(passwordHistory.createdAt))
    .limit(HISTORY_KEEP);
  return [
    guardedInsert(db, passwordHistory, { id: newId("pwh_"), userId, passwordHash: oldHash, createdAt: now }, guard),
    db
      .delete(passwordHistory)
      .where(and(eq(passwordHistory.userId, userId), notInArray(passwordHistory.id, keep), guard)),
  ] as const;
}

/** Deletes a user's whole history (batch item). */
export const deleteHistory = (db: Db, userId: string) =>
  db.delete(passwordHistory).where(eq(passwordHistory.userId, userId));
