import * as z from "zod/mini";
import { loadSigningKeys, type SigningKeys } from "../crypto/jwt";
import { deriveSubKeys, type SubKeys } from "../crypto/keys";
import type { HashParams } from "../crypto/password";
import { MAIL_PROVIDERS, type MailOptions, type MailSlot } from "../mail";
import type { MailEventSecrets } from "../mail/events/types";
import type { RateLimitBucket, RateLimitRule } from "../rate-limit";
import { ConfigError } from "./errors";
import { type MailEnv, parseMailConfig } from "./mail";
import { parseMailEventSecrets } from "./mail-events";
import { FORCE_RESET_BATCH, OUTBOX_BATCH, OUTBOX_QUICK_RETRIES, OUTBOX_WEBHOOK_BATCH } from "./outbox";
import { parseTenantQuotas, type TenantQuotas } from "./quotas";
import { parseRateLimits } from "./rate-limits";
import { assertSafeForProduction } from "./safety";

export { ConfigError };

/** Worker bindings and vars/secrets as wrangler hands them to us. */
export interface Env extends MailEnv {
  DB: D1Database;
  RATE_LIMIT_KV: KVNamespace;
  /** Workers Static Assets (public/): the message catalogues of every locale. */
  ASSETS?: Fetcher;
  ENVIRONMENT?: string;
  PUBLIC_BASE_URL?: string;
  DEFAULT_CLIENT_ID?: string;
  MAIL_PROVIDER?: string;
  MAIL_FROM?: string;
  MAIL_API_BASE_URL?: string;
  MAIL_API_KEY?: string;
  ADMIN_API_KEY?: string;
  SECRET_KEY?: string;
  SIGNING_KEY?: string;
  PASSWORD_HASH_ITERATIONS?: string;
  COMPAT_DIALECTS?: string;
  HIBP_API_BASE_URL?: string;
  RATE_LIMITS?: string;
  AUDIT_RETENTION_DAYS?: string;
  /** "true" lets production run with PASSWORD_HASH_ITERATIONS below OWASP's 600,000. */
  ALLOW_LOW_HASH_ITERATIONS?: string;
  OUTBOX_BATCH?: string;
  OUTBOX_WEBHOOK_BATCH?: string;
  OUTBOX_QUICK_RETRIES?: string;
  FORCE_RESET_BATCH?: string;
  TENANT_QUOTAS?: string;
  LOG_REQUESTS?: string;
  /** JSON by provider: what POST /v1/mail-events/{provider} verifies events with (src/config/mail-events.ts). */
  MAIL_EVENT_SECRETS?: string;
}

export const DIALECTS = ["nexudus", "nestauth", "singularity", "nexus"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** Typed, validated configuration; built once per `env` object. */
export interface Config {
  environment: "development" | "preview" | "production";
  publicBaseUrl: string;
  defaultClientId: string;
  /** The primary provider (MAIL_PROVIDER, MAIL_API_KEY, MAIL_API_BASE_URL) and the sender. */
  mail: MailSlot & { from: string };
  /** MAIL_FALLBACK_*: takes over a message after `after` retryable failures; null when unset. */
  mailFallback: (MailSlot & { after: number }) | null;
  mailOptions: MailOptions;
  /** MAIL_EVENT_SECRETS: the providers whose bounce and complaint events are accepted, and their secrets. */
  mailEvents: MailEventSecrets;
  /** MAIL_FROM_DOMAINS (lower-case): the only domains a client's branding.fromAddress may use. */
  mailFromDomains: readonly string[];
  /** Audit events (and final outbox rows) older than this are purged by the cron. */
  auditRetentionDays: number;
  /** Emails and webhook deliveries one cron run attempts (src/outbox/deliver.ts has the arithmetic). */
  outboxBatch: number;
  outboxWebhookBatch: number;
  /** Waits (ms) before each quick retry of a row's first attempt, in the same waitUntil (src/outbox/deliver.ts). */
  outboxQuickRetries: readonly number[];
  /** Admin resets forced-reset jobs start per cron run (src/flows/force-reset.ts has the arithmetic). */
  forceResetBatch: number;
  /**
   * LOG_REQUESTS: "all" writes an access line for every request and every outbox delivery;
   * "problems" (the default) only for refusals, errors, slow requests and failed deliveries.
   */
  logRequests: "all" | "problems";
  /** TENANT_QUOTAS: what each tenant may hold (users, clients, API keys) and import per day. */
  quotas: TenantQuotas;
  adminApiKey: string;
  passwordHashIterations: number;
  /** PASSWORD_HASH_ITERATIONS with the pepper derived from SECRET_KEY: what every hash is made with. */
  hashing: HashParams;
  dialects: ReadonlySet<Dialect>;
  hibpApiBaseUrl: string;
  rateLimits: Record<RateLimitBucket, RateLimitRule>;
  keys: SubKeys;
  signing: SigningKeys;
}

const httpUrl = z.string().check(z.regex(/^https?:\/\/[^\s/]+/, "must be an http(s) URL"));

const VarsSchema = z.object({
  ENVIRONMENT: z._default(z.enum(["development", "preview", "production"]), "production"),
  PUBLIC_BASE_URL: httpUrl,
  DEFAULT_CLIENT_ID: z._default(z.string().check(z.minLength(1)), "default"),
  MAIL_PROVIDER: z._default(z.enum(MAIL_PROVIDERS), "resend"),
  MAIL_FROM: z._default(z.string().check(z.minLength(3)), "resetkit <no-reply@example.com>"),
  MAIL_API_BASE_URL: z._default(z.string(), ""),
  PASSWORD_HASH_ITERATIONS: z._default(
    z.coerce
      .number()
      .check(z.int(), z.minimum(1000, "must be at least 1000"), z.maximum(10_000_000, "must be at most 10000000")),
    600_000,
  ),
  COMPAT_DIALECTS: z._default(z.string(), DIALECTS.join(",")),
  HIBP_API_BASE_URL: z._default(z.string(), ""),
  AUDIT_RETENTION_DAYS: z._default(
    z.coerce.number().check(z.int(), z.minimum(1, "must be at least 1"), z.maximum(36_500, "must be at most 36500")),
    400,
  ),
  ALLOW_LOW_HASH_ITERATIONS: z._default(z.enum(["true", "false"]), "false"),
  OUTBOX_BATCH: z._default(
    z.coerce.number().check(z.int(), z.minimum(1, "must be at least 1"), z.maximum(500, "must be at most 500")),
    OUTBOX_BATCH,
  ),
  OUTBOX_WEBHOOK_BATCH: z._default(
    z.coerce.number().check(z.int(), z.minimum(0, "must be at least 0"), z.maximum(500, "must be at most 500")),
    OUTBOX_WEBHOOK_BATCH,
  ),
  FORCE_RESET_BATCH: z._default(
    z.coerce.number().check(z.int(), z.minimum(0, "must be at least 0"), z.maximum(500, "must be at most 500")),
    FORCE_RESET_BATCH,
  ),
  // At most 3 waits of at most 9,999 ms: waitUntil ends 30 s after the response (a series cut short
  // leaves the row leased, and the cron takes it over).
  OUTBOX_QUICK_RETRIES: z._default(
    z.string().check(z.regex(/^(off|\d{1,4}(,\d{1,4}){0,2})$/, 'must be "off" or up to 3 comma-separated ms waits')),
    OUTBOX_QUICK_RETRIES,
  ),
  LOG_REQUESTS: z._default(z.enum(["all", "problems"]), "problems"),
});

function requireSecret(env: Env, name: "ADMIN_API_KEY" | "SECRET_KEY" | "SIGNING_KEY", minLength: number): string {
  const value = env[name];
  if (value === undefined || value === "") {
    throw new ConfigError(`secret ${name} is missing (wrangler secret put ${name}, or .dev.vars locally)`);
  }
  if (value.length < minLength) throw new ConfigError(`secret ${name} is malformed: at least ${minLength} characters`);
  return value;
}

function parseDialects(raw: string): ReadonlySet<Dialect> {
  const names = raw
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) {
    if (!(DIALECTS as readonly string[]).includes(n)) {
      throw new ConfigError(`COMPAT_DIALECTS has an unknown dialect "${n}" (known: ${DIALECTS.join(", ")})`);
    }
  }
  return new Set(names as Dialect[]);
}

/** Validates vars and secrets; throws ConfigError naming the first bad variable. */
export async function parseConfig(env: Env): Promise<Config> {
  const blankToUndefined = (v: string | undefined) => (v === "" ? undefined : v);
  const parsed = VarsSchema.safeParse({
    ENVIRONMENT: blankToUndefined(env.ENVIRONMENT),
    PUBLIC_BASE_URL: env.PUBLIC_BASE_URL,
    DEFAULT_CLIENT_ID: blankToUndefined(env.DEFAULT_CLIENT_ID),
    MAIL_PROVIDER: blankToUndefined(env.MAIL_PROVIDER),
    MAIL_FROM: blankToUndefined(env.MAIL_FROM),
    MAIL_API_BASE_URL: env.MAIL_API_BASE_URL ?? "",
    PASSWORD_HASH_ITERATIONS: blankToUndefined(env.PASSWORD_HASH_ITERATIONS),
    COMPAT_DIALECTS: env.COMPAT_DIALECTS ?? undefined,
    HIBP_API_BASE_URL: env.HIBP_API_BASE_URL ?? "",
    AUDIT_RETENTION_DAYS: blankToUndefined(env.AUDIT_RETENTION_DAYS),
    ALLOW_LOW_HASH_ITERATIONS: blankToUndefined(env.ALLOW_LOW_HASH_ITERATIONS),
    OUTBOX_BATCH: blankToUndefined(env.OUTBOX_BATCH),
    OUTBOX_WEBHOOK_BATCH: blankToUndefined(env.OUTBOX_WEBHOOK_BATCH),
    OUTBOX_QUICK_RETRIES: blankToUndefined(env.OUTBOX_QUICK_RETRIES),
    FORCE_RESET_BATCH: blankToUndefined(env.FORCE_RESET_BATCH),
    LOG_REQUESTS: blankToUndefined(env.LOG_REQUESTS),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const why = issue.code === "invalid_value" ? "not one of the allowed values" : issue.message;
    throw new ConfigError(`${String(issue.path[0] ?? "config")} is invalid: ${why}`);
  }
  const v = parsed.data;
  const adminApiKey = requireSecret(env, "ADMIN_API_KEY", 16);
  const secretKey = requireSecret(env, "SECRET_KEY", 32);
  const signingKey = requireSecret(env, "SIGNING_KEY", 20);
  if (v.ENVIRONMENT === "production") {
    assertSafeForProduction({
      publicBaseUrl: v.PUBLIC_BASE_URL,
      iterations: v.PASSWORD_HASH_ITERATIONS,
      allowLowIterations: v.ALLOW_LOW_HASH_ITERATIONS === "true",
      adminApiKey,
      secretKey,
    });
  }
  const mail = parseMailConfig(env, {
    development: v.ENVIRONMENT === "development",
    provider: v.MAIL_PROVIDER,
    from: v.MAIL_FROM,
    apiBaseUrl: v.MAIL_API_BASE_URL.trim(),
  });
  const keys = await deriveSubKeys(secretKey);
  return {
    environment: v.ENVIRONMENT,
    publicBaseUrl: v.PUBLIC_BASE_URL.replace(/\/+$/, ""),
    defaultClientId: v.DEFAULT_CLIENT_ID,
    ...mail,
    adminApiKey,
    passwordHashIterations: v.PASSWORD_HASH_ITERATIONS,
    hashing: { totalIterations: v.PASSWORD_HASH_ITERATIONS, pepper: keys.pepper, pepperId: keys.pepperId },
    dialects: parseDialects(v.COMPAT_DIALECTS),
    hibpApiBaseUrl: v.HIBP_API_BASE_URL.replace(/\/+$/, ""),
    rateLimits: parseRateLimits(env.RATE_LIMITS),
    auditRetentionDays: v.AUDIT_RETENTION_DAYS,
    outboxBatch: v.OUTBOX_BATCH,
    outboxWebhookBatch: v.OUTBOX_WEBHOOK_BATCH,
    outboxQuickRetries: v.OUTBOX_QUICK_RETRIES === "off" ? [] : v.OUTBOX_QUICK_RETRIES.split(",").map(Number),
    forceResetBatch: v.FORCE_RESET_BATCH,
    logRequests: v.LOG_REQUESTS,
    quotas: parseTenantQuotas(env.TENANT_QUOTAS),
    mailEvents: parseMailEventSecrets(env.MAIL_EVENT_SECRETS),
    keys,
    signing: await loadSigningKeys(signingKey).catch((e: unknown) => {
      throw new ConfigError(`secret SIGNING_KEY is malformed: ${e instanceof Error ? e.message : "not a private JWK"}`);
    }),
  };
}

// Parsed once per env object: the Workers runtime hands the same env to every request of an isolate.
const cache = new WeakMap<Env, Promise<Config>>();

/** Returns the cached Config for this env, parsing it on first use. */
export function getConfig(env: Env): Promise<Config> {
  let p = cache.get(env);
  if (!p) {
    p = parseConfig(env);
    p.catch(() => cache.delete(env));
    cache.set(env, p);
  }
  return p;
}
