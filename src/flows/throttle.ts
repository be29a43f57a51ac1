import { hmacHex } from "../crypto/tokens";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import { networkKey, siteKey } from "../domain/network";
import type { RateLimitBucket } from "../rate-limit";

/** Counts a hit and throws RATE_LIMITED (with Retry-After) when the bucket is full. */
export async function enforceLimit(deps: Deps, bucket: RateLimitBucket, key: string): Promise<void> {
  return enforceLimits(deps, [[bucket, key]]);
}

/**
 * Counts a hit in every bucket at once (no extra latency per bucket; the limiter answers from the
 * isolate's memory after its first KV read of a key). A network key of ipKey that is an IPv6 /64
 * also counts against its /48 at SITE_LIMIT_MULTIPLE times the limit, when the /64 admitted it.
 */
export async function enforceLimits(deps: Deps, hits: [RateLimitBucket, string][]): Promise<void> {
  const decisions = await Promise.all(hits.map(([bucket, key]) => deps.limiter.hit(bucket, key, siteKey(key))));
  throwIfLimited(decisions.map((d) => (d.ok ? 0 : d.retryAfterSeconds)));
}

/** Throws RATE_LIMITED with the longest of the waits (seconds; 0 = not limited). */
export function throwIfLimited(waits: number[]): void {
  const wait = Math.max(0, ...waits);
  if (wait > 0) {
    throw new AppError("RATE_LIMITED", `Too many attempts; retry in ${wait} seconds.`, undefined, {
      "Retry-After": String(wait),
    });
  }
}

/**
 * Rate-limit key of the caller's network, from CF-Connecting-IP only (X-Forwarded-For is
 * attacker-controlled): an IPv4 address, or an IPv6 /64 (src/domain/network.ts).
 */
export const ipKey = (deps: Deps) => networkKey(deps.meta.ip);

/** Keyed hash of a normalized email within a tenant: counters never reveal or store the address. */
export async function emailKey(deps: Deps, tenantId: string, email: string): Promise<string> {
  return (await hmacHex(deps.config.keys.lookup, `${tenantId}\n${email}`)).slice(0, 32);
}

/** D1 budget key of an account's sign-in failures (all networks); `${key}:<network>` is one network's share. */
export const signInBudgetKey = (hashedEmail: string) => `si:${hashedEmail}`;

/** Cooldown key of reset emails, from an emailKey: a keyed hash, so unknown addresses cool down exactly like known ones. */
export const resetCooldownKey = (hashedEmail: string) => `reset:${hashedEmail}`;

const cooldownError = (remaining: number) =>
  new AppError("EMAIL_COOLDOWN_ACTIVE", `Wait ${remaining} seconds before asking again.`, undefined, {
    "Retry-After": String(remaining),
  });

/** Throws EMAIL_COOLDOWN_ACTIVE (with Retry-After = the seconds left) while the key is cooling down. */
export async function enforceCooldown(deps: Deps, key: string): Promise<void> {
  const remaining = await deps.cooldowns.remaining(key);
  if (remaining > 0) throw cooldownError(remaining);
}

/** Starts the key's cooldown, or throws EMAIL_COOLDOWN_ACTIVE when a concurrent request started it first. */
export async function claimCooldown(deps: Deps, key: string, seconds: number): Promise<void> {
  const remaining = await deps.cooldowns.claim(key, seconds);
  if (remaining > 0) throw cooldownError(remaining);
}

/** Hosted pages (GET, HEAD and their forms): one bucket per network. */
export const enforcePageLimit = (deps: Deps) => enforceLimit(deps, "pagesPerIp", ipKey(deps));
