const BASE_DELAY_MS = 30_000;
const MAX_DELAY_MS = 60 * 60_000;

/** Exponential backoff with jitter (50–100 % of the capped step), never sooner than the receiver's Retry-After. */
export function backoffMs(attempts: number, retryAfterSeconds?: number, random = Math.random): number {
  const step = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
  const jittered = Math.round(step * (0.5 + random() / 2));
  return Math.max(jittered, (retryAfterSeconds ?? 0) * 1000);
}
