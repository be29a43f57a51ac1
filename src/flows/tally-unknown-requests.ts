import { auditRow, insertAudit } from "../db/audit";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";

/**
 * Reset requests for addresses without an account, counted in the isolate and written as one
 * `password_reset.requested` event per client ({ known: false, count, from, to }) at most once per
 * TALLY_MS: an unknown address costs no D1 write, so a flood of them (an enumeration or a
 * mail-bombing attempt) cannot turn into a flood of writes. What an isolate counted in its last
 * TALLY_MS is lost if it is evicted first (README "Performance").
 */
export const TALLY_MS = 60_000;

interface Tally {
  tenantId: string;
  clientId: string;
  count: number;
  from: number;
  to: number;
}
const tallies = new Map<string, Tally>();
let windowStart: number | null = null;

/** Counts one unknown-address request; when the window is over, writes every client's count (one batch). */
export async function tallyUnknownRequest(deps: Deps, client: Pick<Client, "id" | "tenantId">): Promise<void> {
  const now = deps.now();
  const t = tallies.get(client.id) ?? { tenantId: client.tenantId, clientId: client.id, count: 0, from: now, to: now };
  t.count++;
  t.to = now;
  tallies.set(client.id, t);
  // A clock that went backwards (a test's, or a corrected one) restarts the window.
  if (windowStart === null || now < windowStart) windowStart = now;
  if (now - windowStart < TALLY_MS) return;
  await flushUnknownRequests(deps);
}

/** Writes what this isolate has counted, one event per client, in one batch. */
export async function flushUnknownRequests(deps: Deps): Promise<void> {
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
        type: "password_reset.requested",
        tenantId: t.tenantId,
        clientId: t.clientId,
        userId: null,
        data: { known: false, count: t.count, from: new Date(t.from).toISOString(), to: new Date(t.to).toISOString() },
      }),
    ),
  );
  await db.batch([first!, ...rest]);
}
