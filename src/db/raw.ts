import { sql } from "drizzle-orm";
import type { Db } from "./client";

/** A raw statement (db.all / db.run of a sql`` query) that also works inside db.batch. */
export function batchable<T extends { getQuery(): { sql: string } }>(db: Db, raw: T): T {
  // drizzle-orm 0.45's D1 batch() binds parameters on `prepared.stmt`, which raw queries lack.
  return Object.assign(raw, { stmt: db.$client.prepare(raw.getQuery().sql) });
}

/** A condition fixed by the caller but bound as a parameter: the statement's text is the same either way. */
export const onlyWhen = (condition: boolean) => sql`${condition ? 1 : 0} = 1`;
