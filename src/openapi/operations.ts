import type * as z from "zod/mini";
import type { ErrorCode } from "../domain/errors";

/** One documented operation; request schemas are the very ones the routes validate with. */
export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: "none" | "admin" | "bearer";
  body?: z.ZodMiniType;
  bodyType?: "application/json" | "application/x-www-form-urlencoded";
  query?: z.ZodMiniType;
  success: { status: number; description: string; schema?: z.ZodMiniType };
  /** Canonical error codes (problem+json). */
  errors: ErrorCode[];
  /** Seed dialects: their own error envelope and what each status means. */
  dialectErrors?: { envelope: string; statuses: Record<number, string> };
}

/** The failures of any route that takes a JSON body (src/http/middleware.ts bodyRules, validation). */
export const BODY_ERRORS: ErrorCode[] = [
  "VALIDATION_FAILED",
  "MALFORMED_JSON",
  "UNSUPPORTED_MEDIA_TYPE",
  "PAYLOAD_TOO_LARGE",
];

/** An admin operation: authenticated (API key or client credentials), UNAUTHORIZED when not. */
export const admin = (op: Omit<Operation, "tag" | "auth">): Operation => ({
  tag: "Admin",
  auth: "admin",
  ...op,
  // Every admin write counts against RATE_LIMITS.adminWritesPerTenant.
  errors: ["UNAUTHORIZED", ...(op.method === "get" ? [] : (["RATE_LIMITED"] as const)), ...op.errors],
});
