import { newId } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { loggableError } from "../db/client";
import { findClient } from "../db/clients";
import {
  type ForceResetJob,
  findJob,
  holdUsers,
  insertJob,
  jobsForTurn,
  nextUsers,
  takeTurn,
} from "../db/force-reset-jobs";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { logEvent } from "../log";
import { startReset } from "./start-reset";
import { enforceAdminWrite } from "./target-tenant";

/** User ids per force-reset call (a whole tenant: `all: true`). */
export const MAX_FORCE_RESET_IDS = 1000;

/**
 * Forced reset after a breach (README): flags the users (`userIds` of the client's tenant, or all
 * of it) and ends their sessions and login tokens at once, in one batch whatever their number, and
 * makes a job through which the cron emails each an admin reset, FORCE_RESET_BATCH per run.
 * `queued`: the flagged, enabled users, i.e. the emails the job will send.
 */
export async function startForceReset(
  deps: Deps,
  scope: AdminScope,
  input: { userIds?: string[]; all?: boolean; clientId: string },
): Promise<{ jobId: string; queued: number }> {
  if (!input.all === !input.userIds) throw new AppError("VALIDATION_FAILED", "Give either userIds or all: true.");
  await enforceAdminWrite(deps, scope);
  const client = await findClient(deps.db, input.clientId);
  if (!client || (scope.tenantId !== null && client.tenantId !== scope.tenantId)) {
    throw new AppError("UNKNOWN_CLIENT", "clientId must name a client of your tenant.");
  }
  const { db } = deps;
  const now = deps.now();
  const ids = input.all ? null : JSON.stringify([...new Set(input.userIds)]);
  const jobId = newId("frj_");
  const job = {
    id: jobId,
    tenantId: client.tenantId,
    clientId: client.id,
    userIds: ids,
    status: "running",
    createdAt: now,
  };
  const results = await db.batch([
    ...holdUsers(db, client.tenantId, ids, now),
    insertJob(db, job),
    insertAudit(
      db,
      auditRow(deps.meta, now, {
        type: "force_reset.started",
        tenantId: client.tenantId,
        clientId: client.id,
        data: { jobId, all: !ids },
      }),
    ),
  ]);
  return { jobId, queued: results[3][0]!.total };
}

/** A job of the caller's tenant, or FORCE_RESET_JOB_NOT_FOUND (also for another tenant's job). */
export async function getForceResetJob(deps: Deps, scope: AdminScope, id: string): Promise<ForceResetJob> {
  const job = await findJob(deps.db, id, scope.tenantId ?? undefined);
  if (!job) throw new AppError("FORCE_RESET_JOB_NOT_FOUND", `No force-reset job with id ${id}.`);
  return job;
}

/**
 * Cron: starts up to FORCE_RESET_BATCH admin resets of running jobs, the budget shared evenly
 * between tenants (each tenant's oldest job, the longest-waiting first; with more tenants than
 * budget, the rest go first next run). Each job walks its flagged users by id and claims its page
 * by moving its cursor before sending (takeTurn): a user is reached once, by one run, and a link's
 * TTL starts when its email is queued, not when the job was made. A reset that fails to start is
 * logged and skipped (the user can still ask for one: sign-in tells them to).
 * Cost at the default 25: 1 D1 call for the jobs, 3 per job (client, page, turn; at most 25 jobs),
 * 1 batch per reset; its delivery then costs what any request's does (1 provider call and 1 D1
 * batch per email, the same per webhook). Worst case 1 + 75 + 25 + 50 = 151 D1 calls and 50 fetches
 * on top of the outbox's 77 and 35: within Paid's 10,000 subrequests; on the Free plan (50 fetches
 * per invocation) lower FORCE_RESET_BATCH to 15 (7 with webhooks) or the outbox's budgets.
 */
export async function runForceResets(deps: Deps): Promise<number> {
  const budget = deps.config.forceResetBatch;
  const jobs = budget ? await jobsForTurn(deps.db, budget) : [];
  let started = 0;
  for (const [i, job] of jobs.entries()) {
    const share = Math.floor(budget / jobs.length) + (i < budget % jobs.length ? 1 : 0);
    const [client, next] = await Promise.all([findClient(deps.db, job.clientId), nextUsers(deps.db, job, share + 1)]);
    const page = client ? next.slice(0, share) : [];
    if (!(await takeTurn(deps.db, job, page, next.length <= share || !client, deps.now()))) continue;
    for (const user of page) {
      try {
        await startReset(deps, { client: client!, user, kind: "admin", redirectUri: client!.redirectUris[0] ?? null });
        started++;
      } catch (e) {
        logEvent({
          level: "error",
          msg: "force reset failed",
          requestId: deps.meta.requestId,
          error: loggableError(e),
        });
      }
    }
  }
  return started;
}
