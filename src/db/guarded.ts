import { getTableColumns, type SQL, sql } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./client";

/**
 * D1 has no interactive transactions: a batch is atomic but cannot branch. A "guard" is an
 * EXISTS(...) condition that only the batch's winning statement made true; every later statement
 * of the batch carries it, so a losing concurrent batch changes nothing at all.
 */
export function guardedInsert<T extends SQLiteTable>(
  db: Db,
  table: T,
  values: T["$inferInsert"],
  guard: SQL,
  opts: { orIgnore?: boolean; returning?: string } = {},
) {
  const columns = getTableColumns(table) as Record<string, { name: string }>;
  const entries = Object.entries(values as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const names = sql.join(
    entries.map(([k]) => sql.identifier(columns[k]!.name)),
    sql`, `,
  );
  const vals = sql.join(
    entries.map(([, v]) => sql`${typeof v === "boolean" ? Number(v) : v}`),
    sql`, `,
  );
  // OR IGNORE: a unique conflict inserts nothing instead of failing the statement (or its batch).
  const verb = opts.orIgnore ? sql`INSERT OR IGNORE INTO` : sql`INSERT INTO`;
  // RETURNING: the batch result's `results` say what was inserted, and how (a value may be a SQL expression).
  const tail = opts.returning ? sql.raw(` RETURNING ${opts.returning}`) : sql``;
  const raw = db.run(sql`${verb} ${table} (${names}) SELECT ${vals} WHERE ${guard}${tail}`);
  // drizzle-orm 0.45's D1 batch() binds parameters on `prepared.stmt`, which raw queries lack.
  return Object.assign(raw, { stmt: db.$client.prepare(raw.getQuery().sql) });
}
