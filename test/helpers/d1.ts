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
  const sqlOf = new WeakMap<object, string>();
  const real = new WeakMap<object, D1PreparedStatement>();
  const hold = async (sqls: string[]) => {
    for (const g of gates) {
      if (g.used || !sqls.some((s) => g.match.test(s))) continue;
      g.used = true;
      g.arrive();
      await g.open;
    }
  };
  const wrap = (s: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const p = new Proxy(s, {
      get(t, k) {
        const v = Reflect.get(t, k, t) as unknown;
        if (k === "bind") return (...a: unknown[]) => wrap(t.bind(...a), sql);
        if (typeof v !== "function") return v;
        return async (...a: unknown[]) => {
          if (k === "all" || k === "run" || k === "first" || k === "raw") await hold([sql]);
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
        return async (stmts: D1PreparedStatement[]) => {
          await hold(stmts.map((s) => sqlOf.get(s) ?? ""));
          return t.batch(stmts.map((s) => real.get(s) ?? s));
        };
      }
      const v = Reflect.get(t, k, t) as unknown;
      return typeof v === "function" ? (v as (...x: unknown[]) => unknown).bind(t) : v;
    },
  });
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
  return { db: proxied, gate };
}
