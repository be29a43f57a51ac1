import { hmacHex } from "../crypto/tokens";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { RateLimitBucket } from "../rate-limit";

/** Counts a hit and throws RATE_LIMITED (with Retry-After) when the bucket is full. */
export async function enforceLimit(deps: Deps, bucket: RateLimitBucket, key: string): Promise<void> {
  return enforceLimits(deps, [[bucket, key]]);
}

/** Counts a hit in every bucket at once (one KV round trip of latency, not one per bucket). */
export async function enforceLimits(deps: Deps, hits: [RateLimitBucket, string][]): Promise<void> {
  const decisions = await Promise.all(hits.map(([bucket, key]) => deps.limiter.hit(bucket, key)));
  const wait = Math.max(0, ...decisions.map((d) => (d.ok ? 0 : d.retryAfterSeconds)));
  if (wait > 0) {
    throw new AppError("RATE_LIMITED", `Too many attempts; retry in ${wait} seconds.`, undefined, {
      "Retry-After": String(wait),
    });
  }
}

/** Rate-limit key of the caller's address: CF-Connecting-IP only (X-Forwarded-For is attacker-controlled). */
export const ipKey = (deps: Deps) => deps.meta.ip ?? "unknown";

/** Keyed hash of a normalized email within a tenant: counters never reveal or store the address. */
export async function emailKey(deps: Deps, tenantId: string, email: string): Promise<string> {
  return (await hmacHex(deps.config.keys.lookup, `${tenantId}\n${email}`)).slice(0, 32);
}

/** Cooldown key of reset emails, from an emailKey: a keyed hash, so unknown addresses cool down exactly like known ones. */
export const resetCooldownKey = (hashedEmail: string) => `reset:${hashedEmail}`;

/** Throws EMAIL_COOLDOWN_ACTIVE (with Retry-After = the seconds left) while the key is cooling down. */
export async function enforceCooldown(deps: Deps, key: string): Promise<void> {
  const remaining = await deps.cooldowns.remaining(key);
  if (remaining > 0) {
    throw new AppError("EMAIL_COOLDOWN_ACTIVE", `Wait ${remaining} seconds before asking again.`, undefined, {
      "Retry-After": String(remaining),
    });
  }
}
