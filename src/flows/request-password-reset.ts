import { newId } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { type TakenUnit, takeUnitForEnabledUser } from "../db/budgets";
import { databaseErrorMessage } from "../db/client";
import { clientById, toClient } from "../db/clients";
import { userByEmail } from "../db/users";
import { afterResponse, type Deps } from "../deps";
import { type Client, isAllowedRedirect } from "../domain/client";
import { normalizeEmail } from "../domain/email";
import { logEvent } from "../log";
import { assertRedirectAllowed, forgetClient, rememberClient, resolveClientCached } from "./resolve-client";
import { startReset } from "./start-reset";
import { tallyCappedRequest, tallyUnknownRequest } from "./tally-requests";
import { claimCooldown, emailKey, enforceCooldown, enforceLimits, ipKey, resetCooldownKey } from "./throttle";

export interface RequestResetInput {
  email: string;
  clientId?: string | null;
  /** A Nexudus location (seed 003): names the client instead of clientId. */
  businessId?: number | null;
  locale?: string | null;
  redirectUri?: string | null;
}

/**
 * Public "forgot password". Everything the caller can observe (validation, client, redirect
 * allowlist, rate limits keyed by a hash of the email) is independent of whether the account
 * exists; the lookup, token creation and email happen after the response, in `defer`, and so does
 * the daily cap of reset emails per address (resetEmailsPerAddress): a capped request answers
 * like any other and sends nothing.
 *
 * Nothing on the response path but what the answer needs: the client comes from the isolate's cache
 * (resolveClientCached; the background work re-reads it), the limiter counts in memory (its KV
 * writes start after the response), so a request whose client and keys this isolate has seen
 * answers with no D1 query and no KV write (KV is read once per new key). After the response: one
 * D1 round trip for an unknown address (no write: src/flows/tally-requests.ts); for a known
 * one that round trip, the reset's batch and the delivery's outcome, plus the provider call.
 */
export async function requestPasswordReset(
  deps: Deps,
  input: RequestResetInput,
  opts: { cooldownSeconds?: number; dialect?: string } = {},
): Promise<void> {
  let client: Client;
  try {
    client = await resolveClientCached(deps, input.clientId, input.businessId);
  } catch (e) {
    // D1 is failing: the caller gets the same 202 as always (a 500 here would be the one answer that
    // differs), nothing is sent, and the log says so without the address. The user asks again later.
    return droppedOnDatabaseFailure(deps, e);
  }
  assertRedirectAllowed(client, input.redirectUri);
  const email = normalizeEmail(input.email);
  // A dialect's per-address cooldown (seed 002): checked and started whether or not the account exists.
  const hashedEmail = await emailKey(deps, client.tenantId, email);
  if (opts.cooldownSeconds) await enforceCooldown(deps, resetCooldownKey(hashedEmail));
  await enforceLimits(deps, [
    ["resetPerIp", ipKey(deps)],
    ["resetPerEmail", hashedEmail],
  ]);
  // Of concurrent requests for one address, one starts the cooldown; the others are refused by it.
  if (opts.cooldownSeconds) await claimCooldown(deps, resetCooldownKey(hashedEmail), opts.cooldownSeconds);
  // Started a moment later, not at once: the lookup answers within a millisecond on a near
  // database, and the known account's work (composing, encrypting the email) would then hold the
  // isolate while the runtime writes this response, delaying it by ~10 ms for known accounts only
  // (measured by `npm run conformance`, check enumeration-timing).
  afterResponse(
    deps,
    () =>
      issueResetIfKnown(deps, client, email, hashedEmail, input, opts.dialect).catch((e: unknown) =>
        droppedOnDatabaseFailure(deps, e),
      ),
    RESPONSE_WRITE_MS,
  );
}

/** Logs a request D1 could not serve, without its address (rethrows anything else). */
function droppedOnDatabaseFailure(deps: Deps, e: unknown): void {
  const error = databaseErrorMessage(e);
  if (error === null) throw e;
  logEvent({ level: "error", msg: "reset request dropped: database failure", requestId: deps.meta.requestId, error });
}

/** How long the isolate stays idle so the runtime can write the pending response first. */
const RESPONSE_WRITE_MS = 20;

async function issueResetIfKnown(
  deps: Deps,
  cached: Client,
  email: string,
  hashedEmail: string,
  input: RequestResetInput,
  dialect: string | undefined,
): Promise<void> {
  const { db } = deps;
  const now = deps.now();
  const rule = deps.config.rateLimits.resetEmailsPerAddress;
  const cap = { key: `mail:${hashedEmail}`, limit: rule.limit, windowMs: rule.windowSeconds * 1000 };
  // One round trip: a unit of the address's daily email cap (only for an account that gets mail),
  // the user, and the client as it is now (the answer came from the isolate's cache).
  const [taken, found, fresh] = await db.batch([
    takeUnitForEnabledUser(db, cap, now, newId(), cached.tenantId, email),
    userByEmail(db, cached.tenantId, email),
    clientById(db, cached.id),
  ]);
  const user = found[0];
  const client = fresh[0] ? toClient(fresh[0]) : null;
  if (!client || (input.redirectUri && !isAllowedRedirect(client, input.redirectUri))) {
    // Deleted or changed by another isolate since this one cached it: nothing is sent.
    forgetClient(cached.id);
    logEvent({ level: "warn", msg: "reset request dropped: client changed", requestId: deps.meta.requestId });
    return;
  }
  rememberClient(client);
  if (user && !user.disabled && !(taken as TakenUnit[])[0]) {
    // Counted for operators (one event per account per minute): no write per hammering request.
    await tallyCappedRequest(deps, client, user.id, rule);
    return;
  }
  if (!user) {
    // Counted for operators (one event per client per minute), never revealed; no address stored.
    await tallyUnknownRequest(deps, client);
    return;
  }
  if (user.disabled) {
    // Recorded for operators, never revealed to the caller.
    await insertAudit(
      deps.db,
      auditRow(deps.meta, deps.now(), {
        type: "password_reset.requested",
        tenantId: client.tenantId,
        clientId: client.id,
        userId: user.id,
        data: { known: false, reason: "disabled" },
      }),
    ).run();
    return;
  }
  await startReset(deps, {
    client,
    user,
    kind: "self",
    locale: input.locale,
    redirectUri: input.redirectUri,
    dialect,
  });
}
