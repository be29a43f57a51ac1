import { desc, eq } from "drizzle-orm";
import type { Db } from "./client";
import { devMailbox } from "./schema";

export type DevMailRow = typeof devMailbox.$inferSelect;

/** Stores one captured message; the id is the outbox row's, so a retried send stores nothing new. */
export async function captureDevMail(db: Db, row: typeof devMailbox.$inferInsert): Promise<void> {
  await db.insert(devMailbox).values(row).onConflictDoNothing().run();
}

/** The newest captured messages. */
export function listDevMail(db: Db, limit: number): Promise<DevMailRow[]> {
  return db.select().from(devMailbox).orderBy(desc(devMailbox.createdAt)).limit(limit).all();
}

/** One captured message by id. */
export async function findDevMail(db: Db, id: string): Promise<DevMailRow | null> {
  return (await db.select().from(devMailbox).where(eq(devMailbox.id, id)).get()) ?? null;
}
