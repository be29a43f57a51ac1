import type { Deps } from "../deps";

/**
 * Background work (deps.defer) that starts one timer turn later instead of where it is created.
 * A promise handed to deps.defer is already running: its synchronous start (building queries,
 * the first steps of a delivery) and whatever settles quickly (a local D1 answers within the same
 * turns) run before the runtime gets to write the response, and the caller waits for them. Under
 * wrangler dev that was ≈ 0.1 hash of latency on sign-in (`npm run bench`: 1.25–1.29 hashes
 * before, 1.13–1.19 with this). deps.defer taking a function would do the same for every caller.
 * `delayMs` holds CPU-heavy work back until the runtime has written the response, too.
 */
export function afterResponse(deps: Deps, work: () => unknown, delayMs = 0): void {
  deps.defer(new Promise((resolve) => setTimeout(resolve, delayMs)).then(work));
}
