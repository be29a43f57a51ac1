import { logEvent } from "./log";

/** Every rate-limit bucket (RATE_LIMITS keys). README "Rate limits" says what each counts and where. */
export const RATE_LIMIT_BUCKETS = [
  "resetPerEmail",
  "resetPerIp",
  "verifyPerIp",
  "completePerIp",
  "signInPerAccount",
  "signInPerAccountTotal",
  "signInPerIp",
  "policyCheckPerIp",
  "resetEmailsPerAddress",
  "pagesPerIp",
  "cooldownPerIp",
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
  // D1 budgets (exact everywhere, src/db/budgets.ts): failed sign-ins per (account, network) and
  // per account over every network; reset emails sent per address.
  signInPerAccount: "10/15m",
  signInPerAccountTotal: "100/1d",
  signInPerIp: "100/15m",
  // Live feedback while typing (debounced by the UI): generous, but each call may reach HIBP.
  policyCheckPerIp: "120/15m",
  resetEmailsPerAddress: "10/1d",
  // Hosted pages (GET, HEAD and their forms), per network; generous for offices behind one NAT.
  pagesPerIp: "300/15m",
  // Seed 002's cooldown lookup, limited like the request endpoint (resetPerIp).
  cooldownPerIp: "30/15m",
  // Every admin POST/PATCH/DELETE of one tenant's credentials (root: of the root key), so one
  // tenant's script cannot saturate the shared D1 with writes: 5 a second, on average.
  adminWritesPerTenant: "300/1m",
};

/** An IPv6 /48 (a site: many /64 networks) gets its own bucket at this multiple of the per-network limit. */
export const SITE_LIMIT_MULTIPLE = 10;

/** Outcome of counting one hit against a bucket. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

/** Counts hits per (bucket, key); implementations must be safe to call for unknown accounts too. */
export interface RateLimiter {
  /**
   * Counts a hit unless the bucket is full. With `site` (the /48 of an IPv6 /64 key), the hit also
   * counts against the site at SITE_LIMIT_MULTIPLE times the limit, but only when the network
   * admitted it: one /64 hammering on cannot fill its whole /48 with its own refused hits.
   */
  hit(bucket: RateLimitBucket, key: string, site?: string | null): Promise<RateDecision>;
}

/** Production KV accepts one write per key per second; a second one within it is rejected. */
export const KV_WRITE_INTERVAL_MS = 1000;
/** Writes one request may start after its response (the rest wait for later requests). */
const WRITES_PER_REQUEST = 8;
/**
 * The count from which a key is written to KV: its third hit in a window (half the limit for
 * limits below 6). Below it no isolate writes, so an address asked for once or twice (nearly all
 * of them) costs a KV read and no KV write: the Free plan has 1,000 KV writes a day. The price:
 * isolates that each saw a key fewer times than this do not see each other's hits, so L isolates
 * may admit up to L x (shareFrom - 1) hits before any of them shares; the worst case stays
 * L x limit (README "Rate limits").
 */
export const shareFrom = (limit: number) => Math.max(1, Math.min(SHARE_FROM_HITS, Math.ceil(limit / 2)));
const SHARE_FROM_HITS = 3;
/**
 * Once shared, a key is written again when the hits this isolate holds unwritten reach this
 * fraction (1/8) of the room its limit has left (at least one hit): a key far from its limit is not
 * rewritten every second, since no other isolate's decision depends on a few hits there; one close
 * to it is written at every hit (once a second at most). So KV writes follow how close keys come to
 * their limits, not the traffic: a 30/15m key is written about 6 times on its way to refusing, a
 * key with a limit of millions almost never. What an isolate may hold unshared stays below an
 * eighth of the limit (above the shareFrom hits), on top of the per-isolate bound (README "Rate limits").
 */
export const writeEvery = (limit: number, shared: number) =>
  Math.max(1, Math.floor((limit - shared) / SHARE_ROOM_DIVISOR));
const SHARE_ROOM_DIVISOR = 8;
/**
 * Entries one isolate keeps. Beyond it, expired entries go first, then those least recently used
 * (an evicted key is read again from KV: it loses at most its unshared hits, fewer than shareFrom
 * or an eighth of its limit, see writeEvery).
 */
const MAX_ENTRIES = 10_000;

/** A KV key as this isolate knows it: what KV showed, plus exact local changes not yet written. */
interface Entry {
  key: string;
  /** Epoch seconds after which the entry is worthless (end of the window or cooldown). */
  expiresAt: number;
  /** Counter: KV's value as last read or written here. Cooldown: the end instant (epoch ms). */
  known: number;
  /** Counter: hits counted here and not yet written. Cooldown: 1 while the end instant is unwritten. */
  pending: number;
  /** Counter: hits being written right now. */
  inflight: number;
  /** Whether KV's value was read once (each caller that finds it unread reads it itself). */
  loaded: boolean;
  /** Real time (ms) of the last read and of the last write attempt. */
  readAt: number;
  writtenAt: number;
}

/** One isolate's entries over one KV namespace: module state on purpose, it must outlive a request. */
interface IsolateState {
  entries: Map<string, Entry>;
  /** Entries with something to write. */
  dirty: Set<Entry>;
  hits: number;
}

const isolates = new WeakMap<KVNamespace, IsolateState>();

function stateOf(kv: KVNamespace): IsolateState {
  let s = isolates.get(kv);
  if (!s) {
    s = { entries: new Map(), dirty: new Set(), hits: 0 };
    isolates.set(kv, s);
  }
  return s;
}

const toNumber = (v: string | null) => Math.max(0, Number(v ?? "0") || 0);

/** Resolves in a later turn of the event loop: after the handler that scheduled it has returned. */
const afterResponse = () => scheduler.wait(0);

/** Options of the KV limiter and cooldowns: how work continues after the response, and real time. */
export interface KvOptions {
  /** Runs work after the response (ctx.waitUntil); it must not throw. */
  defer: (work: Promise<unknown>) => void;
  /** Real time in ms, for KV's write rate (the business clock `now` may be moved by tests). */
  realNow?: () => number;
  /** Entries the isolate keeps (default MAX_ENTRIES; tests lower it). */
  maxEntries?: number;
}

/**
 * Drops expired entries now and then; beyond MAX_ENTRIES (a flood of fresh keys) also the least
 * recently used ones (the map is kept in order of use), never one with a write under way.
 */
function sweep(state: IsolateState, nowSec: number, max: number): void {
  if (++state.hits % 500 !== 0 && state.entries.size <= max) return;
  for (const [k, e] of state.entries) if (e.expiresAt < nowSec) drop(state, k, e);
  for (const [k, e] of state.entries) {
    if (state.entries.size <= max) break;
    if (e.inflight === 0) drop(state, k, e);
  }
}

function drop(state: IsolateState, k: string, e: Entry): void {
  state.entries.delete(k);
  state.dirty.delete(e);
}

/**
 * The write side shared by counters and cooldowns: an entry is written at most once per second by
 * this isolate, after the response, merged with what KV holds (another isolate's hits or a later
 * cooldown). A refused or failed write is retried by a later request: no caller ever sees it.
 */
function writer(kv: KVNamespace, state: IsolateState, now: () => number, opts: KvOptions) {
  const realNow = opts.realNow ?? Date.now;
  /** Reads KV's value into the entry, merged with what is known (never lowered). */
  async function read(e: Entry): Promise<void> {
    try {
      e.known = Math.max(e.known, toNumber(await kv.get(e.key)));
    } catch {
      // KV is down: count on the isolate's own exact state.
    }
    e.readAt = realNow();
    e.loaded = true;
  }
  async function write(e: Entry, cooldown: boolean): Promise<void> {
    e.writtenAt = realNow();
    e.inflight = cooldown ? 0 : e.pending;
    e.pending = 0;
    try {
      // Re-read unless this isolate read it within the second (the first hit's own read).
      const current = realNow() - e.readAt < KV_WRITE_INTERVAL_MS ? e.known : toNumber(await kv.get(e.key));
      e.known = Math.max(e.known, current);
      const value = e.known + e.inflight;
      const nowSec = Math.floor(now() / 1000);
      // KV needs an expiry at least 60 s ahead.
      await kv.put(e.key, String(value), { expiration: Math.max(e.expiresAt, nowSec + 60) + 1 });
      e.known = value;
    } catch (err) {
      e.pending = cooldown ? 1 : e.pending + e.inflight;
      logEvent({
        level: "warn",
        msg: "rate-limit write deferred",
        error: err instanceof Error ? err.message.slice(0, 120) : "unknown",
      });
    } finally {
      e.inflight = 0;
      if (e.pending > 0) state.dirty.add(e);
      else state.dirty.delete(e);
    }
  }
  return {
    /** Starts the writes that are due (this isolate wrote the key at least a second ago), after the response. */
    flush(cooldownKeys: boolean, first?: Entry): void {
      const t = realNow();
      const nowSec = Math.floor(now() / 1000);
      let started = 0;
      const candidates = first ? [first, ...state.dirty] : [...state.dirty];
      for (const e of candidates) {
        if (started >= WRITES_PER_REQUEST) break;
        if (e.pending === 0 || e.inflight > 0 || e.key.startsWith("cd:") !== cooldownKeys) continue;
        if (e.expiresAt < nowSec) {
          state.dirty.delete(e);
          continue;
        }
        if (t - e.writtenAt < KV_WRITE_INTERVAL_MS) continue;
        started++;
        // Reserves this second's write; it starts once the handler has returned its response.
        e.writtenAt = t;
        opts.defer(afterResponse().then(() => write(e, cooldownKeys)));
      }
    },
    /**
     * The entry of a key, read from KV once per isolate (a failed read counts as empty: fail open).
     * Callers that find it unread each read it themselves and merge: a request never awaits I/O
     * another request started (workerd cancels that when the other request ends first).
     */
    async load(key: string, expiresAt: number): Promise<Entry> {
      let e = state.entries.get(key);
      if (e) state.entries.delete(key);
      else e = { key, expiresAt, known: 0, pending: 0, inflight: 0, loaded: false, readAt: 0, writtenAt: 0 };
      state.entries.set(key, e); // most recently used last
      if (!e.loaded) await read(e);
      sweep(state, Math.floor(now() / 1000), opts.maxEntries ?? MAX_ENTRIES);
      // Evicted meanwhile by another request's sweep: put it back (its hits are counted on it).
      if (state.entries.get(key) !== e) state.entries.set(key, e);
      return e;
    },
    read,
  };
}

/**
 * Fixed-window counters in KV, exact within an isolate: each key's hits are counted in memory on
 * top of the value KV showed, so concurrent requests are counted one by one (no read-then-write
 * race). From a key's shareFrom-th hit on, the isolate adds up its hits and writes them at most
 * once per second, after the response, merged with what KV holds. Across isolates and locations the excess is bounded (README
 * "Rate limits"). When KV fails, every isolate keeps counting exactly on its own (fail open to the
 * isolate's count): throttles only; budgets that guard accounts are in D1.
 */
export function kvRateLimiter(
  kv: KVNamespace,
  rules: Record<RateLimitBucket, RateLimitRule>,
  now: () => number,
  opts: KvOptions,
): RateLimiter {
  const state = stateOf(kv);
  const w = writer(kv, state, now, opts);
  const count = (e: Entry, limit: number) => {
    e.pending++;
    // Shared through KV from shareFrom hits on (README "Rate limits"); below it no write at all,
    // and then whenever the unwritten hits reach an eighth of the room left (writeEvery).
    const from = shareFrom(limit);
    const written = e.known + e.inflight;
    const shared = written + e.pending >= from && (written < from || e.pending >= writeEvery(limit, written));
    if (shared) state.dirty.add(e);
    w.flush(false, shared ? e : undefined);
  };
  return {
    async hit(bucket, key, site) {
      const { limit, windowSeconds } = rules[bucket];
      const nowSec = Math.floor(now() / 1000);
      const window = Math.floor(nowSec / windowSeconds);
      const windowEnd = (window + 1) * windowSeconds;
      const [e, s] = await Promise.all([
        w.load(`rl:${bucket}:${key}:${window}`, windowEnd),
        site ? w.load(`rl:${bucket}:${site}:${window}`, windowEnd) : null,
      ]);
      // Nothing awaits between the checks and the counts: hits of one isolate are counted one by one.
      const full = (x: Entry, max: number) => x.known + x.inflight + x.pending >= max;
      const refused = { ok: false, retryAfterSeconds: Math.max(1, windowEnd - Math.floor(now() / 1000)) } as const;
      if (full(e, limit)) return refused;
      count(e, limit);
      if (!s) return { ok: true };
      const siteLimit = limit * SITE_LIMIT_MULTIPLE;
      if (full(s, siteLimit)) return refused;
      count(s, siteLimit);
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
  /**
   * Starts a cooldown unless one is running, in one step (of concurrent claims in an isolate exactly
   * one wins): 0 when this call started it, else the seconds left.
   */
  claim(key: string, seconds: number): Promise<number>;
}

/**
 * KV cooldowns with the limiter's discipline: the end instant is kept in the isolate (exact for
 * concurrent claims) and written to KV at most once per second per key, after the response. A
 * failed read counts as no cooldown (fail open: resetPerEmail and the daily email cap still hold).
 */
export function kvCooldowns(kv: KVNamespace, now: () => number, opts: KvOptions): Cooldowns {
  const state = stateOf(kv);
  const w = writer(kv, state, now, opts);
  const realNow = opts.realNow ?? Date.now;
  const left = (e: Entry) => Math.max(0, Math.ceil((e.known - now()) / 1000));
  async function entry(key: string): Promise<Entry> {
    const e = await w.load(`cd:${key}`, Math.floor(now() / 1000) + 60);
    // Free here, but another isolate may have started one since: look again (at most once a second).
    if (left(e) === 0 && e.pending === 0 && realNow() - e.readAt >= KV_WRITE_INTERVAL_MS) {
      e.readAt = realNow();
      await w.read(e);
    }
    return e;
  }
  const begin = (e: Entry, seconds: number) => {
    e.known = now() + seconds * 1000;
    e.expiresAt = Math.ceil(e.known / 1000);
    e.pending = 1;
    state.dirty.add(e);
    w.flush(true, e);
  };
  return {
    async remaining(key) {
      return left(await entry(key));
    },
    async start(key, seconds) {
      begin(await entry(key), seconds);
    },
    async claim(key, seconds) {
      const e = await entry(key);
      const l = left(e);
      if (l > 0) return l;
      begin(e, seconds);
      return 0;
    },
  };
}
