import { env } from "cloudflare:workers";

/** What a fake KV saw: every write attempt, and those it refused. */
export interface KvLog {
  puts: { key: string; value: string; at: number; rejected: boolean }[];
  /** Refused writes (a second write to a key within one second). */
  rejected: () => number;
  /** Accepted writes to keys starting with `prefix`. */
  writes: (prefix?: string) => { key: string; value: string; at: number }[];
}

/**
 * A KV namespace that behaves like production where local miniflare does not: a second write to
 * the same key within one second is rejected (production answers 429 "KV PUT failed"), measured in
 * real time. Storage is the test's local KV. `isolate()` returns another handle on the same storage
 * and the same write rule, as a second isolate (or location) of the Worker would see it: a limiter
 * keeps its in-isolate counters per handle.
 */
export function productionKv(backing: KVNamespace = env.RATE_LIMIT_KV): {
  kv: KVNamespace;
  isolate: () => KVNamespace;
  log: KvLog;
} {
  const lastWrite = new Map<string, number>();
  const puts: KvLog["puts"] = [];
  const handle = (): KVNamespace =>
    new Proxy(backing, {
      get(target, prop) {
        if (prop === "put") {
          return async (key: string, value: string, opts?: KVNamespacePutOptions) => {
            const at = Date.now();
            const last = lastWrite.get(key);
            const rejected = last !== undefined && at - last < 1000;
            puts.push({ key, value: String(value), at, rejected });
            if (rejected) throw new Error("KV PUT failed: 429 Too Many Requests");
            lastWrite.set(key, at);
            return target.put(key, value, opts);
          };
        }
        const v = Reflect.get(target, prop, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  const log: KvLog = {
    puts,
    rejected: () => puts.filter((p) => p.rejected).length,
    writes: (prefix = "") => puts.filter((p) => !p.rejected && p.key.startsWith(prefix)),
  };
  return { kv: handle(), isolate: handle, log };
}

/** A KV namespace that is down: every call rejects, as during a KV incident. */
export function failingKv(): { kv: KVNamespace; calls: () => number } {
  let calls = 0;
  const fail = async () => {
    calls++;
    throw new Error("KV GET failed: 503 Service Unavailable");
  };
  const kv = new Proxy({} as KVNamespace, { get: (_, k) => (k === "then" ? undefined : fail) });
  return { kv, calls: () => calls };
}
