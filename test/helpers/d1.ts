import { env } from "cloudflare:workers";

/** One round trip to D1: a single statement's execution, or a batch (its statements in order). */
export interface D1Call {
  kind: "all" | "run" | "first" | "raw" | "batch";
  sql: string[];
  /** The values bound to each statement, in the same order. */
  params: unknown[][];
}

/**
 * A D1 binding that calls `before` ahead of every round trip made through it (awaiting it, so a
 * test can also hold a call). The one proxy under recordingD1 and gatedD1.
 */
function interceptD1(db: D1Database, before: (call: D1Call) => void | Promise<void>): D1Database {
  const sqlOf = new WeakMap<object, string>();
  const paramsOf = new WeakMap<object, unknown[]>();
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrap = (s: D1PreparedStatement, sql: string, params: unknown[] = []): D1PreparedStatement => {
    const p = new Proxy(s, {
      get(t, k) {
        if (k === "bind") return (...a: unknown[]) => wrap(t.bind(...a), sql, a);
        const v = Reflect.get(t, k, t) as unknown;
        if (typeof v !== "function") return v;
        if (k !== "all" && k !== "run" && k !== "first" && k !== "raw")
          return (v as (...x: unknown[]) => unknown).bind(t);
        return async (...a: unknown[]) => {
          await before({ kind: k, sql: [sql], params: [params] });
          return (v as (...x: unknown[]) => unknown).apply(t, a);
        };
      },
    });
    real.set(p, s);
    sqlOf.set(p, sql);
    paramsOf.set(p, params);
    return p;
  };
  return new Proxy(db, {
    get(t, k) {
      if (k === "prepare") return (sql: string) => wrap(t.prepare(sql), sql);
      if (k === "batch") {
        return async (stmts: D1PreparedStatement[]) => {
          await before({
            kind: "batch",
            sql: stmts.map((s) => sqlOf.get(s) ?? "?"),
            params: stmts.map((s) => paramsOf.get(s) ?? []),
          });
          return t.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
}

/**
 * A D1 binding that records every round trip made through it (for `depsOverrides.db = getDb(...)`):
 * tests compare what the database was asked, call by call, without timing anything.
 */
export function recordingD1(db: D1Database = env.DB): { db: D1Database; calls: D1Call[] } {
  const calls: D1Call[] = [];
  return { db: interceptD1(db, (call) => void calls.push(call)), calls };
}

/** A point where a proxied D1 holds a statement (or a batch containing one) until released. */
export interface Gate {
  /** Resolves once a matching statement reached D1 and is being held. */
  reached: Promise<void>;
  /** Lets the held statement (and any later one) through. */
  release: () => void;
}

/**
 * Wraps a D1 binding so a test can hold chosen statements: `gate(match)` holds the first execution
 * of a statement whose SQL matches (alone, or inside a batch) until `release()`. Models a slow D1
 * round trip (production D1 costs tens of ms from far locations) at the worst moment, so races
 * between requests can be replayed in a fixed order.
 */
export function gatedD1(db: D1Database): { db: D1Database; gate: (match: RegExp) => Gate } {
  const gates: { match: RegExp; used: boolean; arrive: () => void; open: Promise<void> }[] = [];
  const hold = async ({ sql }: D1Call) => {
    for (const g of gates) {
      if (g.used || !sql.some((s) => g.match.test(s))) continue;
      g.used = true;
      g.arrive();
      await g.open;
    }
  };
  const gate = (match: RegExp): Gate => {
    let arrive = () => {};
    let release = () => {};
    const reached = new Promise<void>((r) => {
      arrive = r;
    });
    const open = new Promise<void>((r) => {
      release = r;
    });
    gates.push({ match, used: false, arrive, open });
    return { reached, release };
  };
  return { db: interceptD1(db, hold), gate };
}

/**
 * A D1 binding whose read replica lags forever: `withSession()` answers each query from the state
 * the primary had the first time that exact statement (SQL and parameters) went through a session,
 * as a replica frozen at that moment would, and records the SQL it served. Queries made without a
 * session reach the primary as usual. A flow that reads token or account state through the replica
 * would then see a used token as unused: the test of the routing.
 */
export function laggingReplica(db: D1Database = env.DB): { db: D1Database; served: string[] } {
  const frozen = new Map<string, Promise<unknown>>();
  const served: string[] = [];
  const statement = (sql: string, params: unknown[] = []): D1PreparedStatement => {
    const answer = (method: "all" | "first" | "raw" | "run", args: unknown[]) => {
      served.push(sql);
      const key = `${method}\n${sql}\n${JSON.stringify(params)}\n${JSON.stringify(args)}`;
      if (!frozen.has(key)) {
        const real = db.prepare(sql).bind(...params) as unknown as Record<string, (...a: unknown[]) => unknown>;
        frozen.set(key, Promise.resolve(real[method]!(...args)));
      }
      return frozen.get(key)!;
    };
    return {
      bind: (...values: unknown[]) => statement(sql, values),
      all: () => answer("all", []),
      first: (...a: unknown[]) => answer("first", a),
      raw: (...a: unknown[]) => answer("raw", a),
      run: () => answer("run", []),
    } as unknown as D1PreparedStatement;
  };
  const session = {
    prepare: (sql: string) => statement(sql),
    batch: (stmts: D1PreparedStatement[]) => Promise.all(stmts.map((s) => s.all())),
    getBookmark: () => "frozen",
  };
  const proxy = new Proxy(db, {
    get(t, k) {
      if (k === "withSession") return () => session;
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
  return { db: proxy, served };
}

/**
 * A D1 binding on which every round trip that `fails` picks fails with a D1 error (D1_ERROR: …),
 * before reaching the database; the others go through. Returns how many failed.
 */
export function failingWhenD1(
  db: D1Database,
  fails: (call: D1Call) => boolean,
): { db: D1Database; failures: () => number } {
  let failures = 0;
  const fail = (call: D1Call) => {
    if (!fails(call)) return;
    failures++;
    throw new Error("D1_ERROR: injected failure");
  };
  return { db: interceptD1(db, fail), failures: () => failures };
}
