import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";

/** The drizzle handle every query module takes as its first argument. */
export type Db = DrizzleD1Database<Record<string, never>> & { $client: D1Database };

/** Wraps the D1 binding. */
export const getDb = (d1: D1Database): Db => drizzle(d1);
