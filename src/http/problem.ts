import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { AppError, ERRORS, type ErrorCode, type FieldError } from "../domain/errors";

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
    requestId: (c.get("requestId") as string | undefined) ?? "",
  };
}

/** Sends an AppError as application/problem+json with its headers (e.g. Retry-After). */
export function problemResponse(c: Context, err: AppError): Response {
  const res = c.json(toProblem(err, c), err.status as ContentfulStatusCode);
  res.headers.set("Content-Type", "application/problem+json");
  for (const [k, v] of Object.entries(err.headers ?? {})) res.headers.set(k, v);
  return res;
}

/** Turns zod issues into our field errors. */
export function zodIssuesToErrors(issues: readonly { path: readonly PropertyKey[]; code: string; message: string }[]): FieldError[] {
  return issues.map((i) => ({
    path: i.path.map(String).join(".") || "(body)",
    code: i.code.toUpperCase(),
    message: i.message,
  }));
}
