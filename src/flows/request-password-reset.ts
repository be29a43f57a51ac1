import { auditRow, insertAudit } from "../db/audit";
import { databaseErrorMessage } from "../db/client";
import { findUserByEmail } from "../db/users";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { normalizeEmail } from "../domain/email";
import { logEvent } from "../log";
import { assertRedirectAllowed, resolveClient } from "./resolve-client";
import { startReset } from "./start-reset";
import { emailKey, enforceCooldown, enforceLimits, ipKey, resetCooldownKey } from "./throttle";

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
 * exists; the lookup, token creation and email happen after the response, in `defer`.
 */
export async function requestPasswordReset(
  deps: Deps,
  input: RequestResetInput,
  opts: { cooldownSeconds?: number } = {},
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
  if (opts.cooldownSeconds) await deps.cooldowns.start(resetCooldownKey(hashedEmail), opts.cooldownSeconds);
  deps.defer(issueResetIfKnown(deps, client, email, input));
}

async function issueResetIfKnown(deps: Deps, client: Client, email: string, input: RequestResetInput): Promise<void> {
  const user = await findUserByEmail(deps.db, client.tenantId, email);
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
  await startReset(deps, { client, user, kind: "self", locale: input.locale, redirectUri: input.redirectUri });
}
