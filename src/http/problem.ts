import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { type AppError, ERRORS, type ErrorCode, type FieldError } from "../domain/errors";

/** RFC 9457 problem details as the canonical API sends them. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: ErrorCode;
  errors?: FieldError[];
  requestId: string;
}

/** Builds the problem body for an error (the only place codes become HTTP). */
export function toProblem(err: AppError, c: Context): Problem {
  const meta = ERRORS[err.code];
  return {
    type: `urn:resetkit:error:${err.code}`,
    title: meta.title,
    status: err.status,
    detail: err.detail ?? meta.title,
    instance: new URL(c.req.url).pathname,
    code: err.code,
    ...(err.errors?.length ? { errors: err.errors } : {}),
    ...err.extra,
    requestId: (c.get("requestId") as string | undefined) ?? "",
  };
}

/** Sends an AppError as application/problem+json with its headers (e.g. Retry-After). */
export function problemResponse(c: Context, err: AppError): Response {
  c.set("errorCode", err.code); // for the request's log line
  const res = c.json(toProblem(err, c), err.status as ContentfulStatusCode);
  res.headers.set("Content-Type", "application/problem+json");
  for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
  return res;
}

type Issue = { path: readonly PropertyKey[]; code: string; message: string } & Record<string, unknown>;

// zod/mini ships no messages (bundle size): these say what is wrong without echoing the value.
function describe(i: Issue): string {
  const unit = i.origin === "string" ? " characters" : "";
  switch (i.code) {
    case "invalid_type":
      return `Expected ${String(i.expected)}.`;
    case "too_small":
      return `Must be at least ${String(i.minimum)}${unit}.`;
    case "too_big":
      return `Must be at most ${String(i.maximum)}${unit}.`;
    case "invalid_format":
      return i.format === "regex" ? "Has an invalid format." : `Must be a valid ${String(i.format)}.`;
    case "unrecognized_keys":
      return `Unknown field(s): ${(i.keys as string[]).join(", ")}.`;
    case "invalid_value":
      return `Must be one of: ${(i.values as unknown[]).map(String).join(", ")}.`;
    case "invalid_union":
      return "Does not match any accepted shape.";
    default:
      return "Is invalid.";
  }
}

/** Turns zod issues into our field errors. */
export function zodIssuesToErrors(issues: readonly Issue[]): FieldError[] {
  return issues.map((i) => ({
    path: i.path.map(String).join(".") || "(body)",
    code: i.code.toUpperCase(),
    message: describe(i),
  }));
}
