import type { Deps } from "../deps";
import { logEvent } from "../deps";
import { purgeOutbox } from "../db/outbox";
import { purgeResets } from "../db/resets";
import { purgeSessionsAndTokens } from "../db/sessions";
import { processOutbox } from "./deliver-email";

const DAY = 86_400_000;
/** Rows deleted per table per run: keeps each cron run short and bounded. */
const PURGE_LIMIT = 500;

/** Cron: retry due emails, then purge data that outlived its purpose. */
export async function runMaintenance(deps: Deps): Promise<{ delivered: number; purged: number }> {
  const delivered = await processOutbox(deps);
  const now = deps.now();
  const purged =
    (await purgeResets(deps.db, now - DAY, PURGE_LIMIT)) +
    (await purgeSessionsAndTokens(deps.db, now - DAY, PURGE_LIMIT)) +
    (await purgeOutbox(deps.db, now - 7 * DAY, PURGE_LIMIT));
  logEvent({ msg: "maintenance", requestId: deps.meta.requestId, delivered, purged });
  return { delivered, purged };
}
