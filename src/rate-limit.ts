/** Every rate-limit bucket (RATE_LIMITS keys). */
export const RATE_LIMIT_BUCKETS = [
  "resetPerEmail",
  "resetPerIp",
  "verifyPerIp",
  "completePerIp",
  "signInPerAccount",
  "signInPerIp",
  "policyCheckPerIp",
  "adminWritesPerTenant",
] as const;
export type RateLimitBucket = (typeof RATE_LIMIT_BUCKETS)[number];

/** N hits per window of `windowSeconds`. */
export interface RateLimitRule {
  limit: number;
  windowSeconds: number;
}

/** The limits a deployment gets for buckets its RATE_LIMITS leaves out. */
export const DEFAULT_RATE_LIMITS: Record<RateLimitBucket, string> = {
  resetPerEmail: "5/15m",
  resetPerIp: "30/15m",
  verifyPerIp: "30/15m",
  completePerIp: "30/15m",
  signInPerAccount: "10/15m",
  signInPerIp: "100/15m",
  // Live feedback while typing (debounced by the UI): generous, but each call may reach HIBP.
  policyCheckPerIp: "120/15m",
  // Every admin POST/PATCH/DELETE of one tenant's credentials (root: of the root key), so one
  // tenant's script cannot saturate the shared D1 with writes: 5 a second, on average.
  adminWritesPerTenant: "300/1m",
};

/** Outcome of counting one hit against a bucket. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Counts hits per (bucket, key); implementations must be safe to call for unknown accounts too. */
export interface RateLimiter {
  hit(bucket: RateLimitBucket, key: string): Promise<RateDecision>;
}

/**
 * Fixed-window counters in KV. KV is eventually consistent, so limits are approximate across
 * locations — fine for throttling, which is why KV holds nothing else (single-use state lives in D1).
 */
export function kvRateLimiter(
  kv: KVNamespace,
  rules: Record<RateLimitBucket, RateLimitRule>,
  now: () => number,
): RateLimiter {
  return {
    async hit(bucket, key) {
      const { limit, windowSeconds } = rules[bucket];
      const nowSec = Math.floor(now() / 1000);
      const window = Math.floor(nowSec / windowSeconds);
      const windowEnd = (window + 1) * windowSeconds;
      const kvKey = `rl:${bucket}:${key}:${window}`;
      const count = Number((await kv.get(kvKey)) ?? "0") || 0;
      if (count >= limit) return { ok: false, retryAfterSeconds: Math.max(1, windowEnd - nowSec) };
      // KV needs an expiry at least 60 s ahead.
      await kv.put(kvKey, String(count + 1), { expiration: Math.max(windowEnd, nowSec + 60) + 1 });
      return { ok: true };
    },
  };
}

/** Per-key cooldowns (e.g. one reset email per address per minute), as throttling state in KV. */
export interface Cooldowns {
  /** Whole seconds left on the key's cooldown; 0 when there is none. */
  remaining(key: string): Promise<number>;
  /** Starts (or restarts) a cooldown of `seconds` on the key. */
  start(key: string, seconds: number): Promise<void>;
}

/** KV cooldowns: the value is the end instant, so the remaining time is exact even though KV expiry is coarse. */
export function kvCooldowns(kv: KVNamespace, now: () => number): Cooldowns {
  return {
    async remaining(key) {
      const until = Number((await kv.get(`cd:${key}`)) ?? "0") || 0;
      return Math.max(0, Math.ceil((until - now()) / 1000));
    },
    async start(key, seconds) {
      const until = now() + seconds * 1000;
      // KV needs an expiry at least 60 s ahead; the stored end instant is what counts.
      await kv.put(`cd:${key}`, String(until), { expiration: Math.ceil(Math.max(until, now() + 60_000) / 1000) + 1 });
    },
  };
}
