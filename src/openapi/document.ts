import * as z from "zod/mini";
import { ERRORS, type ErrorCode } from "../domain/errors";
import { adminOperations } from "./admin-operations";
import { compatErrorSchemas, compatOperations } from "./compat-operations";
import { operations, type Operation } from "./operations";
import { Problem } from "./responses";

type Json = Record<string, unknown>;

const schema = (s: z.ZodMiniType, io: "input" | "output"): Json => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: "draft-2020-12", io, unrepresentable: "any" }) as Json;
  return rest;
};

function errorResponses(codes: ErrorCode[]): Json {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of [...codes, "INTERNAL_ERROR" as const]) {
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
  const params: Json[] = [...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: "path", required: true, schema: { type: "string" } }));
  if (op.query) {
    const q = schema(op.query, "input") as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, s] of Object.entries(q.properties ?? {})) params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema: s });
  }
  const success: Json = { description: op.success.description };
  if (op.success.schema) success.content = { "application/json": { schema: schema(op.success.schema, "output") } };
  return {
    operationId: `${op.method}${op.path.replace(/[^A-Za-z0-9]+(\w)?/g, (_, ch: string | undefined) => (ch ?? "").toUpperCase())}`,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: [op.tag],
    security: op.auth === "none" ? [] : op.auth === "bearer" ? [{ accessToken: [] }] : [{ apiKey: [] }, { clientCredentials: [] }],
    ...(params.length ? { parameters: params } : {}),
    ...(op.body ? { requestBody: { required: true, content: { [op.bodyType ?? "application/json"]: { schema: schema(op.body, "input") } } } } : {}),
    responses: { [String(op.success.status)]: success, ...(op.dialectErrors ? dialectResponses(op.dialectErrors) : errorResponses(op.errors)) },
  };
}

/** The OpenAPI 3.1 document, built from the route schemas (run at build time by scripts/build-openapi.ts). */
export function buildOpenApi(): Json {
  const paths: Record<string, Json> = {};
  for (const op of [...operations, ...adminOperations, ...compatOperations]) paths[op.path] = { ...paths[op.path], [op.method]: operation(op) };
  return {
    openapi: "3.1.0",
    info: {
      title: "resetkit",
      version: "1.0.0",
      description: "Password resets done right, as a Cloudflare Worker. Errors are RFC 9457 problem details; branch on `code`.",
    },
    paths,
    components: {
      schemas: {
        Problem: schema(Problem, "output"),
        ...Object.fromEntries(Object.entries(compatErrorSchemas).map(([name, s]) => [name, schema(s, "output")])),
      },
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "ADMIN_API_KEY (root) or a tenant API key" },
        clientCredentials: { type: "http", scheme: "basic", description: "clientId:clientSecret of a client of the tenant" },
        accessToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "accessToken from POST /v1/sessions" },
      },
    },
  };
}
