import type * as z from "zod/mini";
import type { Scope } from "../domain/admin-scope";
import type { ErrorCode } from "../domain/errors";

/** One documented operation; request schemas are the very ones the routes validate with. */
export interface Operation {
  method: "get" | "post" | "patch" | "delete";
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** Further sections the operation also belongs to (e.g. a seed dialect served by a canonical route). */
  alsoIn?: string[];
  auth: "none" | "admin" | "bearer";
  /** Admin: the API-key scope the operation needs (absent: the root key only). */
  scope?: Scope;
  /** Admin: Basic client credentials are accepted too (on their own client only). */
  clientCredentials?: boolean;
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

/**
 * An admin operation: authenticated (an API key holding `scope`, or client credentials where
 * allowed), UNAUTHORIZED when not, INSUFFICIENT_SCOPE without the scope, CROSS_SITE_REQUEST from
 * another site's page.
 */
export const admin = (op: Omit<Operation, "tag" | "auth">): Operation => ({
  tag: "Admin",
  auth: "admin",
  ...op,
  // Every admin write counts against RATE_LIMITS.adminWritesPerTenant.
  errors: [
    "UNAUTHORIZED",
    ...(op.scope ? (["INSUFFICIENT_SCOPE"] as const) : []),
    "CROSS_SITE_REQUEST",
    ...(op.method === "get" ? [] : (["RATE_LIMITED"] as const)),
    ...op.errors,
  ],
});
