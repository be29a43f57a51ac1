import { type DrizzleD1Database, drizzle } from "drizzle-orm/d1";
import { DrizzleQueryError } from "drizzle-orm/errors";

/** The drizzle handle every query module takes as its first argument. */
export type Db = DrizzleD1Database<Record<string, never>> & { $client: D1Database };

/** Wraps the D1 binding: every query on the primary (D1 routes to replicas only within a session). */
export const getDb = (d1: D1Database): Db => drizzle(d1);

/**
 * A D1 session that may start on any read replica ("first-unconstrained"; the session is then
 * sequentially consistent): for reads that may be slightly stale, never for token or account state.
 * Without read replication enabled (or locally) it is the primary.
 */
export const getReplicaDb = (d1: D1Database): Db =>
  typeof d1.withSession === "function"
    ? drizzle(d1.withSession("first-unconstrained") as unknown as D1Database)
    : drizzle(d1);

/**
 * For a failed D1 call (drizzle wraps single queries; batches throw D1's own "D1_..." errors),
 * the D1 message, which names tables and columns but never bound values; null for other errors.
 * Drizzle's own message must never be logged: it lists the query's parameters (emails, hashes).
 */
export function databaseErrorMessage(e: unknown): string | null {
  const d1 = e instanceof DrizzleQueryError ? e.cause : e;
  if (d1 instanceof Error && /^D1_/.test(d1.message)) return d1.message.slice(0, 200);
  return e instanceof DrizzleQueryError ? "query failed" : null;
}

/**
 * What may be logged about any thrown value: the D1 message for database failures (wherever they
 * sit in the cause chain), else the error's name and message. Whatever still looks like drizzle's
 * parameter list or an address is cut, so a wrapped database error cannot leak through.
 */
export function loggableError(e: unknown): string {
  for (let cur: unknown = e, depth = 0; cur instanceof Error && depth < 5; cur = cur.cause, depth++) {
    const db = databaseErrorMessage(cur);
    if (db !== null) return db;
  }
  const err = e instanceof Error ? e : new Error(typeof e === "string" ? e : "unknown");
  return `${err.name}: ${err.message}`
    .replace(/\bparams:[\s\S]*$/, "params: [redacted]")
    .replace(/[^\s"'<>(),;:]+@[^\s"'<>(),;:]+/g, "[address]")
    .slice(0, 300);
}
