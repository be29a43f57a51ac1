import { and, asc, eq, gt, isNull, type SQL, sql } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";
import { forceResetJobs, oneTimeTokens, resetRequests, sessions, users } from "./schema";
import type { User } from "./users";

export type ForceResetJob = typeof forceResetJobs.$inferSelect;

/** `col` names a user of the tenant, and one of `ids` (a JSON array) unless ids is null (every user). */
const among = (col: SQLiteColumn, tenantCol: SQLiteColumn, tenantId: string, ids: string | null) =>
  and(eq(tenantCol, tenantId), ids === null ? undefined : sql`${col} IN (SELECT value FROM json_each(${ids}))`);

/**
 * The statements that hold a set of users at once (batch items, one bound JSON parameter whatever
 * the count): flagged, sessions cut off and revoked, unused login tokens spent.
 */
export const holdUsers = (db: Db, tenantId: string, ids: string | null, now: number) =>
  [
    db
      .update(users)
      .set({ mustResetPassword: true, sessionsValidAfter: now, updatedAt: now })
      .where(among(users.id, users.tenantId, tenantId, ids)),
    db
      .update(sessions)
      .set({ revokedAt: now })
      .where(and(among(sessions.userId, sessions.tenantId, tenantId, ids), isNull(sessions.revokedAt))),
    db
      .update(oneTimeTokens)
      .set({ usedAt: now })
      .where(
        and(
          among(oneTimeTokens.userId, oneTimeTokens.tenantId, tenantId, ids),
          eq(oneTimeTokens.kind, "login"),
          isNull(oneTimeTokens.usedAt),
        ),
      ),
  ] as const;

const pending = (job: Pick<ForceResetJob, "tenantId" | "userIds">): SQL =>
  and(
    among(users.id, users.tenantId, job.tenantId, job.userIds),
    eq(users.mustResetPassword, true),
    eq(users.disabled, false),
  )!;

/** Inserts a job whose total is its flagged, enabled users, counted in the same batch (batch item). */
export const insertJob = (
  db: Db,
  row: Omit<ForceResetJob, "total" | "processed" | "cursor" | "lastRunAt" | "finishedAt">,
) =>
  db
    .insert(forceResetJobs)
    .values({ ...row, total: sql`(SELECT COUNT(*) FROM ${users} WHERE ${pending(row)})` })
    .returning({ total: forceResetJobs.total });

/** A job by id (optionally within a tenant). */
export async function findJob(db: Db, id: string, tenantId?: string): Promise<ForceResetJob | null> {
  const where = and(eq(forceResetJobs.id, id), tenantId ? eq(forceResetJobs.tenantId, tenantId) : undefined);
  return (await db.select().from(forceResetJobs).where(where).get()) ?? null;
}

/**
 * The jobs that get a turn this run: each tenant's oldest running job, the tenant whose last turn
 * is oldest first, at most `limit` (one D1 call).
 */
export async function jobsForTurn(db: Db, limit: number): Promise<ForceResetJob[]> {
  const { results } = await db.$client
    .prepare(
      `SELECT id, tenant_id AS tenantId, client_id AS clientId, user_ids AS userIds, cursor, created_at AS createdAt FROM (
        SELECT *, ROW_NUMBER() OVER (PARTITION BY tenant_id ORDER BY created_at, id) AS turn
        FROM force_reset_jobs WHERE status = 'running'
      ) WHERE turn = 1 ORDER BY last_run_at, created_at, id LIMIT ?`,
    )
    .bind(limit)
    .all<ForceResetJob>();
  return results;
}

/**
 * The next `limit` users a job still has to reach, in id order after its cursor. Users who asked
 * for a reset since the job was made are on their way already: a job reset would kill their link.
 */
export const nextUsers = (db: Db, job: ForceResetJob, limit: number): Promise<User[]> =>
  db
    .select()
    .from(users)
    .where(
      and(
        pending(job),
        job.cursor === null ? undefined : gt(users.id, job.cursor),
        sql`NOT EXISTS (SELECT 1 FROM ${resetRequests} WHERE ${resetRequests.userId} = ${users.id} AND ${resetRequests.createdAt} >= ${job.createdAt})`,
      ),
    )
    .orderBy(asc(users.id))
    .limit(limit)
    .all();

/**
 * Takes a job's turn: moves its cursor past `page` (finishing it when `done`), only if the cursor
 * is still the one read, so two overlapping cron runs never start the same users' resets twice.
 */
export async function takeTurn(db: Db, job: ForceResetJob, page: User[], done: boolean, now: number) {
  const res = await db
    .update(forceResetJobs)
    .set({
      cursor: page.at(-1)?.id ?? job.cursor,
      processed: sql`${forceResetJobs.processed} + ${page.length}`,
      lastRunAt: now,
      ...(done ? { status: "done", finishedAt: now } : {}),
    })
    .where(
      and(
        eq(forceResetJobs.id, job.id),
        eq(forceResetJobs.status, "running"),
        job.cursor === null ? isNull(forceResetJobs.cursor) : eq(forceResetJobs.cursor, job.cursor),
      ),
    )
    .run();
  return res.meta.changes === 1;
}
