import { DEFAULT_RATE_LIMITS, RATE_LIMIT_BUCKETS, type RateLimitBucket, type RateLimitRule } from "../rate-limit";
import { ConfigError } from "./errors";

const WINDOW_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** Parses a rate-limit rule such as "5/15m" (5 requests per 15 minutes). */
export function parseRateRule(rule: string): RateLimitRule | null {
  const m = /^(\d+)\/(\d+)?([smhd])$/.exec(rule.trim());
  if (!m) return null;
  const limit = Number(m[1]);
  const windowSeconds = Number(m[2] ?? "1") * WINDOW_UNITS[m[3]!]!;
  if (limit < 1 || windowSeconds < 1) return null;
  return { limit, windowSeconds };
}

/** RATE_LIMITS (JSON object of bucket -> "N/window") merged onto the defaults; unknown buckets are an error. */
export function parseRateLimits(raw: string | undefined): Record<RateLimitBucket, RateLimitRule> {
  let given: unknown = {};
  if (raw && raw.trim() !== "") {
    try {
      given = JSON.parse(raw);
    } catch {
      throw new ConfigError("RATE_LIMITS is not valid JSON");
    }
  }
  if (typeof given !== "object" || given === null || Array.isArray(given)) {
    throw new ConfigError('RATE_LIMITS must be a JSON object of bucket -> "N/window"');
  }
  for (const name of Object.keys(given)) {
    if (!(RATE_LIMIT_BUCKETS as readonly string[]).includes(name)) {
      throw new ConfigError(`RATE_LIMITS has an unknown bucket "${name}" (known: ${RATE_LIMIT_BUCKETS.join(", ")})`);
    }
  }
  const merged = { ...DEFAULT_RATE_LIMITS, ...(given as Record<string, unknown>) };
  const out = {} as Record<RateLimitBucket, RateLimitRule>;
  for (const bucket of RATE_LIMIT_BUCKETS) {
    const value = merged[bucket];
    const rule = typeof value === "string" ? parseRateRule(value) : null;
    if (!rule) throw new ConfigError(`RATE_LIMITS.${bucket} must look like "5/15m" (N per window of s, m, h or d)`);
    out[bucket] = rule;
  }
  return out;
}
