import { getConfig, type Config, type Env } from "./config";
import { getDb, type Db } from "./db/client";
import { assetCatalogs, type CatalogLoader } from "./i18n/catalogs";
import type { RequestMeta } from "./db/audit";
import { createMailer } from "./mail";
import type { Mailer } from "./mail/mailer";
import { kvCooldowns, kvRateLimiter, type Cooldowns, type RateLimiter } from "./rate-limit";

/** Everything a flow may touch, passed explicitly so tests can swap any piece. */
export interface Deps {
  config: Config;
  db: Db;
  limiter: RateLimiter;
  cooldowns: Cooldowns;
  /** The primary provider (MAIL_PROVIDER). */
  mailer: Mailer;
  /** MAIL_FALLBACK_PROVIDER, which takes over a message after MAIL_FALLBACK_AFTER retryable failures. */
  fallbackMailer: Mailer | null;
  now: () => number;
  /** Message catalogues of the pages and emails, by locale. */
  catalog: CatalogLoader;
  /** Work that continues after the response (ctx.waitUntil); errors are logged, never thrown. */
  defer: (work: Promise<unknown>) => void;
  meta: RequestMeta & { acceptLanguage: string | null; /** X-Client-Id header, when sent. */ clientId?: string | null };
  /** Filled in as the request goes (tenant, client) for its one log line. */
  trace: { tenantId?: string; clientId?: string };
}

/** Logs one JSON line; callers pass codes and ids only, never tokens, codes, passwords or bodies. */
export function logEvent(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ t: new Date().toISOString(), ...fields }));
}

/** Builds the dependencies for one request or scheduled run. */
export async function buildDeps(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  meta: Deps["meta"],
): Promise<Deps> {
  const config = await getConfig(env);
  const db = getDb(env.DB);
  const now = () => Date.now();
  const mailCtx = { config, db, now, binding: env.EMAIL };
  return {
    config,
    db,
    limiter: kvRateLimiter(env.RATE_LIMIT_KV, config.rateLimits, now),
    cooldowns: kvCooldowns(env.RATE_LIMIT_KV, now),
    mailer: createMailer(config.mail, mailCtx),
    fallbackMailer: config.mailFallback ? createMailer(config.mailFallback, mailCtx) : null,
    now,
    catalog: assetCatalogs(env.ASSETS, (detail) => logEvent({ level: "error", msg: "message catalogue unavailable", requestId: meta.requestId, detail })),
    defer: (work) =>
      ctx.waitUntil(
        work.catch((e: unknown) =>
          logEvent({ level: "error", msg: "background work failed", requestId: meta.requestId, error: e instanceof Error ? e.name + ": " + e.message : "unknown" }),
        ),
      ),
    meta,
    trace: {},
  };
}

/** Request metadata for scheduled runs (no client). */
export const systemMeta = (requestId: string): Deps["meta"] => ({ requestId, ip: null, country: null, userAgent: null, acceptLanguage: null, clientId: null });

export type { Db };
