import { env } from "cloudflare:workers";

/** One round trip to D1: a single statement's execution, or a batch (its statements in order). */
export interface D1Call {
  kind: "all" | "run" | "first" | "raw" | "batch";
  sql: string[];
}

/**
 * A D1 binding that records every round trip made through it (for `depsOverrides.db = getDb(...)`):
 * tests compare what the database was asked, call by call, without timing anything.
 */
export function recordingD1(db: D1Database = env.DB): { db: D1Database; calls: D1Call[] } {
  const calls: D1Call[] = [];
  const sqlOf = new WeakMap<object, string>();
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (s: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const p = new Proxy(s, {
      get(t, k) {
        if (k === "bind") return (...a: unknown[]) => wrap(t.bind(...a), sql);
        const v = Reflect.get(t, k, t) as unknown;
        if (typeof v !== "function") return v;
        return (...a: unknown[]) => {
          if (k === "all" || k === "run" || k === "first" || k === "raw") calls.push({ kind: k, sql: [sql] });
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    });
    real.set(p, s);
    sqlOf.set(p, sql);
    return p;
  };
  const proxied = new Proxy(db, {
    get(t, k) {
      if (k === "prepare") return (sql: string) => wrap(t.prepare(sql), sql);
      if (k === "batch") {
        return (stmts: D1PreparedStatement[]) => {
          calls.push({ kind: "batch", sql: stmts.map((s) => sqlOf.get(s) ?? "?") });
          return t.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { db: proxied, calls };
}
