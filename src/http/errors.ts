import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { ConfigError } from "../config/errors";
import { databaseErrorMessage, loggableError } from "../db/client";
import { AppError } from "../domain/errors";
import { logEvent } from "../log";

/**
 * Turns anything thrown into a domain error, logging what is not one. Shared by the canonical API
 * and every dialect, so a failure gets the same code whatever envelope carries it.
 */
export function toAppError(err: unknown, c: Context): AppError {
  if (err instanceof AppError) return err;
  const requestId = c.get("requestId") as string | undefined;
  if (err instanceof ConfigError) {
    logEvent({ level: "error", requestId, msg: err.message });
    return new AppError("CONFIGURATION_ERROR", err.message);
  }
  // Hono's validators throw a 400 when a JSON-labelled body does not parse (e.g. an empty one).
  if (err instanceof HTTPException && err.status === 400) return new AppError("MALFORMED_JSON");
  const db = databaseErrorMessage(err);
  if (db !== null) {
    logEvent({ level: "error", requestId, msg: "database failure", error: db });
    return new AppError("DATABASE_FAILURE");
  }
  // Names and messages of other runtime errors (crypto, fetch) carry no request values; bodies are never logged.
  logEvent({ level: "error", requestId, msg: "unhandled error", error: loggableError(err) });
  return new AppError("INTERNAL_ERROR");
}
