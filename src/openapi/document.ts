import * as z from "zod/mini";
import { ERRORS, type ErrorCode } from "../domain/errors";
import * as nestauth from "../routes/compat/nestauth.docs";
import * as nexudus from "../routes/compat/nexudus.docs";
import * as singularity from "../routes/compat/singularity.docs";
import * as ops from "../routes/ops.docs";
import * as clients from "../routes/v1/clients.docs";
import * as emails from "../routes/v1/emails.docs";
import * as events from "../routes/v1/events.docs";
import * as passwordPolicy from "../routes/v1/password-policy.docs";
import * as passwordResets from "../routes/v1/password-resets.docs";
import * as sessions from "../routes/v1/sessions.docs";
import * as tenants from "../routes/v1/tenants.docs";
import * as users from "../routes/v1/users.docs";
import { compatErrorSchemas } from "./dialects";
import type { Operation } from "./operations";
import { Problem } from "./responses";

/**
 * Every route module's docs (`<route>.docs.ts`, next to the route it documents), in the order of
 * the document. Build-time only: nothing here is imported by the Worker.
 */
export const DOCS = [
  passwordResets,
  sessions,
  users,
  clients,
  tenants,
  emails,
  events,
  passwordPolicy,
  ops,
  nexudus,
  nestauth,
  singularity,
];

/** Codes any route may answer with: the infrastructure failing, whatever the request. */
const ANY_ROUTE: ErrorCode[] = ["INTERNAL_ERROR", "DATABASE_FAILURE", "CONFIGURATION_ERROR"];

type Json = Record<string, unknown>;

const schema = (s: z.ZodMiniType, io: "input" | "output"): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as Json;
  return rest;
};

function errorResponses(codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...codes, ...ANY_ROUTE])) {
    const status = ERRORS[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((c) => `\`${c}\`: ${ERRORS[c].title}`).join("; "),
        "x-error-codes": list,
        content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
      },
    ]),
  );
}

function dialectResponses(d: NonNullable<Operation["dialectErrors"]>): Json {
  const statuses = { 500: "Server error", ...d.statuses };
  return Object.fromEntries(
    Object.entries(statuses).map(([status, description]) => [
      status,
      { description, content: { "application/json": { schema: { $ref: `#/components/schemas/${d.envelope}` } } } },
    ]),
  );
}

function operation(op: Operation): Json {
  const params: Json[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
    name: m[1],
    in: "path",
    required: true,
    schema: { type: "string" },
  }));
  if (op.query) {
    const q = schema(op.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, s] of Object.entries(q.properties ?? {}))
      params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema: s });
  }
  const success: Json = { description: op.success.description };
  if (op.success.schema) success.content = { "application/json": { schema: schema(op.success.schema, "output") } };
  return {
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security:
      op.auth === "none"
        ? []
        : op.auth === "bearer"
          ? [{ accessToken: [] }]
          : [{ apiKey: op.scope ? [op.scope] : [] }, ...(op.clientCredentials ? [{ clientCredentials: [] }] : [])],
    ...(params.length ? { parameters: params } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { [op.bodyType ?? "application/json"]: { schema: schema(op.body, "input") } },
          },
        }
      : {}),
    responses: {
      [String(op.success.status)]: success,
      ...(op.dialectErrors ? dialectResponses(op.dialectErrors) : errorResponses(op.errors)),
    },
  };
}

/** The OpenAPI 3.1 document, built from the route schemas (run at build time by scripts/build-openapi.ts). */
export function buildOpenApi(): Json {
  const paths: Record<string, Json> = {};
  for (const op of DOCS.flatMap((d) => d.operations))
    paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
  return {
    openapi: "3.1.0",
    info: {
      title: "resetkit",
      version: "1.0.0",
      description:
        "Password resets done right, as a Cloudflare Worker. Errors are RFC 9457 problem details; branch on `code`.",
    },
    paths,
    components: {
      schemas: {
        Problem: schema(Problem, "output"),
        ...Object.fromEntries(Object.entries(compatErrorSchemas).map(([name, s]) => [name, schema(s, "output")])),
      },
      securitySchemes: {
        apiKey: {
          type: "http",
          scheme: "bearer",
          description:
            "ADMIN_API_KEY (root: every scope, every tenant) or a tenant API key holding the scope listed with the operation",
        },
        clientCredentials: {
          type: "http",
          scheme: "basic",
          description:
            "clientId:clientSecret: only the admin-initiated reset through that very client and reading that client",
        },
        accessToken: {
          type: "http",
          scheme: "bearer",
          bearerFormat: "JWT",
          description: "accessToken from POST /v1/sessions",
        },
      },
    },
  };
}
