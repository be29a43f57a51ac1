import { auditRow, insertAudit } from "../db/audit";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";

/**
 * Reset requests that must not cost a D1 write each, counted in the isolate and written at most
 * once per TALLY_MS as one event per client (and, for capped ones, per account):
 * - for addresses without an account, `password_reset.requested` { known: false, count, from, to }:
 *   a flood of them (an enumeration or a mail-bombing attempt) cannot turn into a flood of writes;
 * - for accounts whose daily email cap is spent, `password_reset.email_capped` { limit,
 *   windowSeconds, count, from, to }: the requests that hammer one address write one row a minute.
 * What an isolate counted in its last TALLY_MS is lost if it is evicted first (README "Performance").
 */
export const TALLY_MS = 60_000;

interface Tally {
  type: "password_reset.requested" | "password_reset.email_capped";
  tenantId: string;
  clientId: string;
  userId: string | null;
  data: Record<string, unknown>;
  count: number;
  from: number;
  to: number;
}
const tallies = new Map<string, Tally>();
let windowStart: number | null = null;

async function tally(deps: Deps, key: string, fresh: Omit<Tally, "count" | "from" | "to">): Promise<void> {
  const now = deps.now();
  const t = tallies.get(key) ?? { ...fresh, count: 0, from: now, to: now };
  t.count++;
  t.to = now;
  tallies.set(key, t);
  // A clock that went backwards (a test's, or a corrected one) restarts the window.
  if (windowStart === null || now < windowStart) windowStart = now;
  if (now - windowStart < TALLY_MS) return;
  await flushTallies(deps);
}

/** Counts one unknown-address request of a client. */
export const tallyUnknownRequest = (deps: Deps, client: Pick<Client, "id" | "tenantId">) =>
  tally(deps, `u|${client.id}`, {
    type: "password_reset.requested",
    tenantId: client.tenantId,
    clientId: client.id,
    userId: null,
    data: { known: false },
  });

/** Counts one request for an account whose daily email cap (`limit` per `windowSeconds`) is spent. */
export const tallyCappedRequest = (
  deps: Deps,
  client: Pick<Client, "id" | "tenantId">,
  userId: string,
  rule: { limit: number; windowSeconds: number },
) =>
  tally(deps, `c|${client.id}|${userId}`, {
    type: "password_reset.email_capped",
    tenantId: client.tenantId,
    clientId: client.id,
    userId,
    data: { limit: rule.limit, windowSeconds: rule.windowSeconds },
  });

/** Writes what this isolate has counted, one event per tally, in one batch. */
export async function flushTallies(deps: Deps): Promise<void> {
  const rows = [...tallies.values()];
  tallies.clear();
  windowStart = null;
  if (rows.length === 0) return;
  const { db } = deps;
  const [first, ...rest] = rows.map((t) =>
    insertAudit(
      db,
      // No request's IP, country or user agent: the event sums many requests.
      auditRow(null, t.to, {
        type: t.type,
        tenantId: t.tenantId,
        clientId: t.clientId,
        userId: t.userId,
        data: { ...t.data, count: t.count, from: new Date(t.from).toISOString(), to: new Date(t.to).toISOString() },
      }),
    ),
  );
  await db.batch([first!, ...rest]);
}
