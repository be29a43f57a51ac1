import { newId } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { type TakenUnit, takeUnit } from "../db/budgets";
import { databaseErrorMessage } from "../db/client";
import { enabledUserWithEmail, userByEmail } from "../db/users";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { normalizeEmail } from "../domain/email";
import { logEvent } from "../log";
import { assertRedirectAllowed, resolveClient } from "./resolve-client";
import { startReset } from "./start-reset";
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
 */
export async function requestPasswordReset(
  deps: Deps,
  input: RequestResetInput,
  opts: { cooldownSeconds?: number; dialect?: string } = {},
): Promise<void> {
  let client: Client;
  try {
    client = await resolveClient(deps, input.clientId, input.businessId);
  } catch (e) {
    const db = databaseErrorMessage(e);
    if (db === null) throw e;
    // D1 is failing: the caller gets the same 202 as always (a 500 here would be the one answer that
    // differs), nothing is sent, and the log says so without the address. The user asks again later.
    logEvent({
      level: "error",
      msg: "reset request dropped: database failure",
      requestId: deps.meta.requestId,
      error: db,
    });
    return;
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
  deps.defer(
    afterResponseIsWritten().then(() => issueResetIfKnown(deps, client, email, hashedEmail, input, opts.dialect)),
  );
}

/** Resolves once the isolate has been idle long enough for the runtime to write the pending response. */
const afterResponseIsWritten = () => new Promise<void>((resolve) => setTimeout(resolve, RESPONSE_WRITE_MS));
const RESPONSE_WRITE_MS = 20;

async function issueResetIfKnown(
  deps: Deps,
  client: Client,
  email: string,
  hashedEmail: string,
  input: RequestResetInput,
  dialect: string | undefined,
): Promise<void> {
  const { db } = deps;
  const now = deps.now();
  const rule = deps.config.rateLimits.resetEmailsPerAddress;
  const cap = { key: `mail:${hashedEmail}`, limit: rule.limit, windowMs: rule.windowSeconds * 1000 };
  // One round trip: a unit of the address's daily email cap (only for an account that gets mail) and the user.
  const [taken, found] = await db.batch([
    takeUnit(db, cap, now, newId(), enabledUserWithEmail(client.tenantId, email)),
    userByEmail(db, client.tenantId, email),
  ]);
  const user = found[0];
  if (user && !user.disabled && !(taken as TakenUnit[])[0]) {
    await insertAudit(
      db,
      auditRow(deps.meta, now, {
        type: "password_reset.email_capped",
        tenantId: client.tenantId,
        clientId: client.id,
        userId: user.id,
        data: { limit: rule.limit, windowSeconds: rule.windowSeconds },
      }),
    ).run();
    return;
  }
  if (!user || user.disabled) {
    // Recorded for operators, never revealed to the caller; the address itself is not stored.
    await insertAudit(
      deps.db,
      auditRow(deps.meta, deps.now(), {
        type: "password_reset.requested",
        tenantId: client.tenantId,
        clientId: client.id,
        userId: user?.id ?? null,
        data: { known: false, ...(user?.disabled ? { reason: "disabled" } : {}) },
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
