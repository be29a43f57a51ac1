import { type AnyColumn, and, eq, fillPlaceholders, is, lt, or, SQL, sql } from "drizzle-orm";
import type { Cursor } from "../domain/pagination";
import type { Db } from "./client";

/** A raw statement (db.all / db.run of a sql`` query) that also works inside db.batch. */
export function batchable<T extends { getQuery(): { sql: string } }>(db: Db, raw: T): T {
  // drizzle-orm 0.45's D1 batch() binds parameters on `prepared.stmt`, which raw queries lack.
  return Object.assign(raw, { stmt: db.$client.prepare(raw.getQuery().sql) });
}

/** A condition fixed by the caller but bound as a parameter: the statement's text is the same either way. */
export const onlyWhen = (condition: boolean) => sql`${condition ? 1 : 0} = 1`;

/** What drizzle's D1 batch needs of an item: its SQL and parameters, a statement, and how to map rows. */
interface BatchPrepared {
  getQuery(): { sql: string; params: unknown[] };
  stmt: D1PreparedStatement;
  mapResult(result: unknown, isFromBatch?: boolean): unknown;
}

/**
 * A query drizzle builds once per isolate instead of once per call: `build` writes it with
 * `sql.placeholder(name)` where values go, and each call binds its values by name. For the hottest
 * statements (the request endpoint's lookup, sign-in's): building a select of every column cost
 * more of the isolate's CPU than D1's own client did (README "Performance"). The item works in
 * `db.batch`, and alone with `get()` / `all()` (a batch of one: the same single round trip).
 */
export function prebuilt<Q, V extends Record<string, unknown>>(build: (db: Db) => Q) {
  let template: { sql: string; params: unknown[]; mapResult: BatchPrepared["mapResult"] } | undefined;
  return (db: Db, values: V): Q => {
    if (!template) {
      // drizzle's batch calls the same internal _prepare() on each item.
      const prepared = (build(db) as unknown as { _prepare(): BatchPrepared })._prepare();
      const { sql: text, params } = prepared.getQuery();
      template = { sql: text, params, mapResult: (r, b) => prepared.mapResult(r, b) };
    }
    const t = template;
    const params = fillPlaceholders(t.params, values);
    const item = {
      _prepare: (): BatchPrepared => ({
        getQuery: () => ({ sql: t.sql, params }),
        stmt: db.$client.prepare(t.sql),
        mapResult: t.mapResult,
      }),
      all: async () => ((await db.batch([item as never])) as unknown[][])[0],
      get: async () => ((await db.batch([item as never])) as unknown[][])[0]?.[0],
      run: async () => ((await db.batch([item as never])) as unknown[])[0],
      toSQL: () => ({ sql: t.sql, params }),
    };
    return item as unknown as Q;
  };
}

/**
 * prebuilt for statements whose shape depends on which values are given (the columns of an insert,
 * the fields of an update): one template per set of keys, `build` writing `sql.placeholder(key)` for
 * each. Values that are SQL expressions cannot be bound: such a call is built afresh by `fresh`.
 * Only for tables without `$defaultFn` columns (schema.ts has none): a default computed while
 * building would be frozen into the template.
 */
export function prebuiltByShape<Q, V extends Record<string, unknown>>(
  build: (db: Db, keys: string[]) => Q,
  fresh: (db: Db, values: V) => Q,
) {
  const shapes = new Map<string, (db: Db, values: V) => Q>();
  return (db: Db, values: V): Q => {
    const keys = Object.keys(values).filter((k) => values[k] !== undefined);
    if (keys.some((k) => is(values[k], SQL))) return fresh(db, values);
    const shape = keys.join(",");
    let make = shapes.get(shape);
    if (!make) {
      make = prebuilt<Q, V>((d) => build(d, keys));
      shapes.set(shape, make);
    }
    return make(db, values);
  };
}

/** `{ key: placeholder(key) }` for each key: the values object of a prebuiltByShape template. */
export const placeholders = (keys: string[]) => Object.fromEntries(keys.map((k) => [k, sql.placeholder(k)]));

/**
 * The keyset condition of a newest-first page (ordered by createdAt, id descending): the rows
 * after `after`, or no condition on the first page. One cursor format for every listing.
 */
export const olderThan = (c: { createdAt: AnyColumn; id: AnyColumn }, after: Cursor | undefined): SQL | undefined =>
  after ? or(lt(c.createdAt, after.createdAt), and(eq(c.createdAt, after.createdAt), lt(c.id, after.id))) : undefined;
