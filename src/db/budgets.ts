import { type Placeholder, type SQL, sql } from "drizzle-orm";
import type { Db } from "./client";
import { batchable, prebuilt } from "./raw";
import { enabledUserWithEmail } from "./users";

// Budgets that guard accounts (sign-in failures, wrong codes, reset emails): rows of `budgets`,
// each a fixed window that starts with its first unit. A unit is taken by ONE conditional upsert,
// so parallel requests can never take more than the limit (D1 runs statements one at a time).
// KV cannot do this: it has no atomic increment and is eventually consistent across locations.

/** A budget: `limit` units per window of `windowMs`, under `key` (which never holds an address). */
export interface Budget {
  key: string;
  /** A number, or an SQL expression the upsert evaluates (e.g. a client's setting). */
  limit: number | SQL;
  windowMs: number;
}

/** What a taken unit returns: the count after taking it, the end of its window and the limit that applied. */
export interface TakenUnit {
  count: number;
  window_ends_at: number;
  limit: number;
}

/** The values of a unit upsert: bound per call, or placeholders of a prebuilt statement. */
type UnitValues = Record<"end" | "nonce" | "now", string | number | Placeholder> & {
  /** The budget's key, or (with `from`) an SQL expression over its rows. */
  key: string | Placeholder | SQL;
  /** A number, a placeholder, or an SQL expression evaluated by the upsert itself. */
  limit: number | Placeholder | SQL;
};

/**
 * The one conditional upsert that takes a unit (see takeUnit): of one key, or with `from` (a FROM
 * clause) of one key per row it yields, each row's unit taken in turn.
 */
const unitUpsert = (
  v: UnitValues,
  onlyIf: SQL,
  from: SQL = sql``,
) => sql`INSERT INTO budgets (key, count, window_ends_at, nonce)
      SELECT ${v.key}, 1, ${v.end}, ${v.nonce} ${from} WHERE ${onlyIf}
      ON CONFLICT (key) DO UPDATE SET
        count = CASE WHEN budgets.window_ends_at <= ${v.now} THEN 1 ELSE budgets.count + 1 END,
        window_ends_at = CASE WHEN budgets.window_ends_at <= ${v.now} THEN ${v.end} ELSE budgets.window_ends_at END,
        nonce = excluded.nonce
      WHERE budgets.window_ends_at <= ${v.now} OR budgets.count < ${v.limit}
      RETURNING key, count, window_ends_at, ${v.limit} AS "limit"`;

const unitValues = (b: Budget, now: number, nonce: string) => ({
  key: b.key,
  end: now + b.windowMs,
  nonce,
  now,
  limit: b.limit,
});

/**
 * Takes one unit of a budget or nothing (batch item; its result is [] when the budget is spent):
 * a window that has ended starts afresh. The unit is stamped with `nonce`, so later statements of
 * the same batch can test that this batch took it (`takenBy`). `onlyIf` makes taking conditional.
 */
export function takeUnit(db: Db, b: Budget, now: number, nonce: string, onlyIf?: SQL) {
  return batchable(db, db.all<TakenUnit>(unitUpsert(unitValues(b, now, nonce), onlyIf ?? sql`1`)));
}

const p = (name: string) => sql.placeholder(name);
/** True inside a batch once `takeUnit(..., nonce)` took a unit of `key`. */
export const takenBy = (key: string, nonce: string) =>
  sql`EXISTS (SELECT 1 FROM budgets WHERE key = ${key} AND nonce = ${nonce})`;

/**
 * Gives `units` back to the window that ends at `windowEndsAt` (a later window is left alone);
 * batch item. `units` may be 0, so that every path of a flow can run the same statement.
 */
export const giveBack = (db: Db, key: string, windowEndsAt: number, units: number) =>
  batchable(
    db,
    db.run(sql`UPDATE budgets SET count = MAX(count - ${units}, 0)
      WHERE key = ${key} AND window_ends_at = ${windowEndsAt}`),
  );

/** Gives back the unit `nonce` took of `key` unless `unless` holds (batch item: undo inside the batch). */
export const undoUnless = (db: Db, key: string, nonce: string, unless: SQL) =>
  batchable(
    db,
    db.run(sql`UPDATE budgets SET count = MAX(count - 1, 0)
      WHERE key = ${key} AND nonce = ${nonce} AND NOT ${unless}`),
  );

/** The windows of some budgets (for Retry-After); batch item. */
export const readWindows = (db: Db, keys: string[]) =>
  batchable(
    db,
    db.all<{ key: string; count: number; window_ends_at: number }>(
      sql`SELECT key, count, window_ends_at FROM budgets WHERE key IN (${sql.join(
        keys.map((k) => sql`${k}`),
        sql`, `,
      )})`,
    ),
  );

/** Deletes a budget and every budget under it (`key:...`): e.g. an account's sign-in failures after a reset. */
export async function clearBudgets(db: Db, key: string): Promise<void> {
  await db.run(sql`DELETE FROM budgets WHERE key = ${key} OR key LIKE ${`${key}:%`}`);
}

/** Deletes budgets whose window ended before `before`, at most `limit` (retention). */
export async function purgeBudgets(db: Db, before: number, limit: number): Promise<number> {
  const res = await db.run(
    sql`DELETE FROM budgets WHERE key IN (SELECT key FROM budgets WHERE window_ends_at < ${before} LIMIT ${limit})`,
  );
  return res.meta.changes;
}

/** Seconds until the window ends (at least 1), for Retry-After. */
export const secondsLeft = (windowEndsAt: number, now: number) => Math.max(1, Math.ceil((windowEndsAt - now) / 1000));

/** A unit of one budget per item, taken by one statement (budgets.key, tenant and email of the account). */
const takeIfEnabledUsers = prebuilt((db) =>
  db.all<TakenUnit & { key: string }>(
    unitUpsert(
      { key: sql`j.value->>0`, end: p("end"), nonce: p("nonce"), now: p("now"), limit: p("limit") },
      enabledUserWithEmail(sql`j.value->>1`, sql`j.value->>2`),
      sql`FROM json_each(${p("items")}) AS j`,
    ),
  ),
);

/**
 * takeUnit for many budgets of one shape, each only for an account that gets mail (the request
 * endpoint's email cap of a group of requests), in one statement: each item takes a unit of its own key,
 * in order (two items of one key take two units, while they last). Result: one row per unit taken.
 */
export const takeUnitsForEnabledUsers = (
  db: Db,
  items: { key: string; tenantId: string; email: string }[],
  b: { limit: number; windowMs: number },
  now: number,
  nonce: string,
) =>
  takeIfEnabledUsers(db, {
    items: JSON.stringify(items.map((i) => [i.key, i.tenantId, i.email])),
    end: now + b.windowMs,
    nonce,
    now,
    limit: b.limit,
  });
