import { purgeAudit } from "../db/audit";
import { purgeBudgets } from "../db/budgets";
import { loggableError } from "../db/client";
import { purgeResets } from "../db/resets";
import { purgeSessionsAndTokens } from "../db/sessions";
import { clearLegacyFloors } from "../db/tenants";
import type { Deps } from "../deps";
import { logEvent } from "../log";
import { processOutbox } from "../outbox/deliver";
import { purgeOutbox } from "../outbox/store";
import { runForceResets } from "./force-reset";

const DAY = 86_400_000;
/** Rows deleted per table (and outbox state group) per run: keeps each cron run short and bounded. */
export const PURGE_LIMIT = 500;
/** Sent and dropped outbox rows stay this long for operators (payloads are already wiped). */
const DELIVERED_RETENTION_MS = 7 * DAY;

/**
 * Cron: retry due emails, start the next resets of forced-reset jobs (src/flows/force-reset.ts),
 * then purge data that outlived its purpose (6 D1 calls): reset requests,
 * sessions and one-time tokens a day after they expired (so late attempts still get "expired", not
 * "invalid"), budgets whose window ended, delivered outbox rows after 7 days, failed/dead rows and
 * audit events after AUDIT_RETENTION_DAYS.
 */
export async function runMaintenance(deps: Deps): Promise<{ delivered: number; purged: number }> {
  try {
    return await maintain(deps);
  } catch (e) {
    // The platform logs an uncaught exception with its message: rethrown scrubbed, never drizzle's own.
    const error = loggableError(e);
    logEvent({ level: "error", msg: "maintenance failed", requestId: deps.meta.requestId, error });
    throw new Error(`maintenance failed: ${error}`);
  }
}

async function maintain(deps: Deps): Promise<{ delivered: number; purged: number }> {
  const delivered = await processOutbox(deps);
  const forced = await runForceResets(deps);
  const now = deps.now();
  const retention = now - deps.config.auditRetentionDays * DAY;
  const purged =
    (await purgeResets(deps.db, now - DAY, PURGE_LIMIT)) +
    (await purgeSessionsAndTokens(deps.db, now - DAY, PURGE_LIMIT)) +
    (await purgeBudgets(deps.db, now, PURGE_LIMIT)) +
    (await purgeOutbox(deps.db, { delivered: now - DELIVERED_RETENTION_MS, final: retention }, PURGE_LIMIT)) +
    (await purgeAudit(deps.db, retention, PURGE_LIMIT));
  // Once an hour: tenants whose imported hashes are all gone stop paying for them at every sign-in.
  // Hourly, because the check scans a tenant's users until it meets an imported hash.
  if (Math.floor(now / 60_000) % 60 === 0) await clearLegacyFloors(deps.db);
  logEvent({ msg: "maintenance", requestId: deps.meta.requestId, delivered, forced, purged });
  return { delivered, purged };
}
