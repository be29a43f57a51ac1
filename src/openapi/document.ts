import * as z from "zod/mini";
import { ERRORS, type ErrorCode } from "../domain/errors";
import * as nestauth from "../routes/compat/nestauth.docs";
import * as nexudus from "../routes/compat/nexudus.docs";
import * as singularity from "../routes/compat/singularity.docs";
import * as ops from "../routes/ops.docs";
import * as accountLocks from "../routes/v1/account-locks.docs";
import * as clients from "../routes/v1/clients.docs";
import * as emails from "../routes/v1/emails.docs";
import * as events from "../routes/v1/events.docs";
import * as mailEvents from "../routes/v1/mail-events.docs";
import * as passwordPolicy from "../routes/v1/password-policy.docs";
import * as passwordResets from "../routes/v1/password-resets.docs";
import * as sessions from "../routes/v1/sessions.docs";
import * as suppressions from "../routes/v1/suppressions.docs";
import * as tenants from "../routes/v1/tenants.docs";
import * as users from "../routes/v1/users.docs";
import { compatErrorSchemas } from "./dialects";
import type { Operation } from "./operations";
import { Problem } from "./responses";
import { curlSample } from "./samples";

/**
 * Every route module's docs (`<route>.docs.ts`, next to the route it documents), in the order of
 * the document. Build-time only: nothing here is imported by the Worker.
 */
export const DOCS = [
  passwordResets,
  accountLocks,
  sessions,
  users,
  clients,
  tenants,
  emails,
  suppressions,
  mailEvents,
  events,
  passwordPolicy,
  ops,
  nexudus,
  nestauth,
  singularity,
];

/**
 * The sections of the reference, in order, each with what a reader needs before its operations;
 * grouped (x-tagGroups) into the canonical API and the seed dialects. Every operation's tag must be here.
 */
const TAGS: { group: string; name: string; description: string }[] = [
  {
    group: "Canonical API",
    name: "Password resets",
    description:
      "The reset journey: request (`202`, the same bytes whether or not the account exists) → an email with a link **and** a 6-digit code → verify (never consumes a link token, so mail scanners are harmless) → complete (atomic: exactly one of concurrent completions wins; every session is revoked).",
  },
  {
    group: "Canonical API",
    name: "Sessions",
    description: "Sign-in with a password, the one-time login token of a completed reset, and the signed-in user.",
  },
  {
    group: "Canonical API",
    name: "Admin",
    description:
      "Tenant-scoped. `Authorization: Bearer <ADMIN_API_KEY>` (root, every tenant), `Bearer rk_live_…` (a tenant API key) or `Basic base64(clientId:clientSecret)`. Another tenant's resources answer `404`.",
  },
  {
    group: "Canonical API",
    name: "Provider events",
    description:
      "Webhooks of the mail providers, each verified with the provider's own scheme: a hard bounce or a complaint suppresses the address until an admin lifts it (`DELETE /v1/suppressions/{id}`).",
  },
  { group: "Canonical API", name: "Operations", description: "Health and the public signing keys." },
  {
    group: "Compatibility dialects",
    name: "Dialect: Nexudus (seeds 003, 000)",
    description:
      "Every `/api/sys/users/*` answer is an `ActionConfirmation` `{WasSuccessful, Value, Status, Message, Errors}` with the HTTP status equal to `Status`; `/api/token` is a plain OAuth2 password grant with RFC 6749 errors.",
  },
  {
    group: "Compatibility dialects",
    name: "Dialect: NestAuth (seed 001)",
    description:
      "Errors are `{statusCode, error, message, code}`: `400` for validation, `401` for a bad, expired or used token or code.",
  },
  {
    group: "Compatibility dialects",
    name: "Dialect: Singularity (seed 002)",
    description:
      "Errors are `{status, code, message}` with the seed's codes (`PASSWORD_RESET_TOKEN_EXPIRED`, `PASSWORD_RESET_TOKEN_INVALID`, `PASSWORD_RESET_TOKEN_MISSING`, `USER_NOT_FOUND`, `EMAIL_COOLDOWN_ACTIVE`, …); a 60-second cooldown per address after each email.",
  },
  {
    group: "Compatibility dialects",
    name: "Dialect: Nexus (seed 004)",
    description:
      "The admin-initiated reset of seed 004 is the canonical route itself: `204` with an empty body; RFC 7807 problem details for `400` and `404`. Always on (`COMPAT_DIALECTS` does not switch it).",
  },
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
    tags: [op.tag, ...(op.alsoIn ?? [])],
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
  for (const op of DOCS.flatMap((d) => d.operations)) {
    const unknown = [op.tag, ...(op.alsoIn ?? [])].filter((t) => !TAGS.some((x) => x.name === t));
    // A tag outside every x-tagGroups group would be hidden by the reference.
    if (unknown.length) throw new Error(`${op.method} ${op.path}: tag(s) ${unknown.join(", ")} missing from TAGS`);
    const built = operation(op);
    built["x-codeSamples"] = [{ lang: "Shell", label: "curl", source: curlSample(op.method, op.path, built) }];
    paths[op.path] = { ...paths[op.path], [op.method]: built };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "resetkit",
      version: "1.0.0",
      description: [
        "Password resets done right, as a Cloudflare Worker: one canonical JSON API (`/v1/...`) and, on the same core, the wire formats of four existing systems (the dialects below).",
        "",
        "Request bodies are JSON (`415 UNSUPPORTED_MEDIA_TYPE` otherwise), at most 16 KiB (`413 PAYLOAD_TOO_LARGE`); unknown fields are rejected (`400 VALIDATION_FAILED`, every issue in `errors[]`). Errors are RFC 9457 problem details (`application/problem+json`): branch on `code`, which is stable. Each operation lists its error codes under its responses. Rate-limited answers are `429 RATE_LIMITED` with `Retry-After`.",
        "",
        "The machine-readable document is [/openapi.json](/openapi.json) (OpenAPI 3.1).",
      ].join("\n"),
    },
    tags: TAGS.map(({ name, description }) => ({ name, description })),
    "x-tagGroups": [...new Set(TAGS.map((t) => t.group))].map((name) => ({
      name,
      tags: TAGS.filter((t) => t.group === name).map((t) => t.name),
    })),
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
