import type { Deps } from "../deps";
import { normalizeEmail } from "../domain/email";
import { resolveClient } from "./resolve-client";
import { emailKey, enforceLimit, ipKey, resetCooldownKey } from "./throttle";

/**
 * Seconds before another reset email may be requested for an address (seed 002). Identical for
 * unknown addresses: the cooldown is keyed by a hash of the address, never by an account. Limited
 * per network like the request endpoint (cooldownPerIp): each lookup may cost a KV read.
 */
export async function getResetCooldown(
  deps: Deps,
  input: { email: string; clientId?: string | null },
): Promise<number> {
  await enforceLimit(deps, "cooldownPerIp", ipKey(deps));
  const client = await resolveClient(deps, input.clientId);
  return deps.cooldowns.remaining(resetCooldownKey(await emailKey(deps, client.tenantId, normalizeEmail(input.email))));
}
