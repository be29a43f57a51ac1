import { type Config, type Env, getConfig } from "./config";
import { type Db, getDb, getReplicaDb, loggableError } from "./db/client";
import type { RequestMeta } from "./domain/request";
import { assetCatalogs, type CatalogLoader } from "./i18n/catalogs";
import { logEvent } from "./log";
import { createMailer } from "./mail";
import type { Mailer } from "./mail/mailer";
import { type Cooldowns, kvCooldowns, kvRateLimiter, type RateLimiter } from "./rate-limit";

/** Everything a flow may touch, passed explicitly so tests can swap any piece. */
export interface Deps {
  config: Config;
  /** D1 on the primary: every token, account, budget and outbox read and write. */
  db: Db;
  /**
   * D1 through a "first-unconstrained" session (a read replica when replication is on): client
   * configuration only, which may lag the primary by the replica's delay (README "Read replicas").
   */
  replica: Db;
  /** The KV namespace of rate-limit counters and cooldowns (nothing else lives in KV). */
  kv: KVNamespace;
  limiter: RateLimiter;
  cooldowns: Cooldowns;
  /** The primary provider (MAIL_PROVIDER). */
  mailer: Mailer;
  /** MAIL_FALLBACK_PROVIDER, which takes over a message after MAIL_FALLBACK_AFTER retryable failures. */
  fallbackMailer: Mailer | null;
  /** The clock (epoch ms) every flow, token and row uses: tests move time through it. */
  now: () => number;
  /** Message catalogues of the pages and emails, by locale. */
  catalog: CatalogLoader;
  /** Work that continues after the response (ctx.waitUntil); errors are logged, never thrown. */
  defer: (work: Promise<unknown>) => void;
  meta: RequestMeta;
  /** Filled in as the request goes (tenant, client) for its one log line. */
  trace: { tenantId?: string; clientId?: string };
}

/** Builds the Deps of one request or scheduled run; `MakeDeps` is the seam tests replace. */
export type MakeDeps = (env: Env, ctx: Pick<ExecutionContext, "waitUntil">, meta: RequestMeta) => Promise<Deps>;

/** Pieces a caller (a test) may supply instead of the ones built from env. */
export type DepsOverrides = Partial<
  Pick<Deps, "now" | "mailer" | "fallbackMailer" | "limiter" | "cooldowns" | "db" | "replica">
>;

/** Builds the dependencies for one request or scheduled run, the only place that reads bindings. */
export async function buildDeps(
  env: Env,
  ctx: Pick<ExecutionContext, "waitUntil">,
  meta: RequestMeta,
  overrides: DepsOverrides = {},
): Promise<Deps> {
  const config = await getConfig(env);
  const now = overrides.now ?? (() => Date.now());
  const db = overrides.db ?? getDb(env.DB);
  const mailCtx = { options: config.mailOptions, db, now, binding: env.EMAIL };
  const defer: Deps["defer"] = (work) =>
    ctx.waitUntil(
      work.catch((e: unknown) =>
        logEvent({
          level: "error",
          msg: "background work failed",
          requestId: meta.requestId,
          // Never e.message as is: drizzle's lists the query's parameters (addresses, hashes).
          error: loggableError(e),
        }),
      ),
    );
  return {
    config,
    db,
    // A test that swaps the database swaps both handles unless it names a replica of its own.
    replica: overrides.replica ?? (overrides.db ? db : getReplicaDb(env.DB)),
    kv: env.RATE_LIMIT_KV,
    // Counters live in the isolate per KV binding (src/rate-limit.ts); their writes go after the response.
    limiter: overrides.limiter ?? kvRateLimiter(env.RATE_LIMIT_KV, config.rateLimits, now, { defer }),
    cooldowns: overrides.cooldowns ?? kvCooldowns(env.RATE_LIMIT_KV, now, { defer }),
    mailer: overrides.mailer ?? createMailer(config.mail, mailCtx),
    fallbackMailer:
      overrides.fallbackMailer !== undefined
        ? overrides.fallbackMailer
        : config.mailFallback
          ? createMailer(config.mailFallback, mailCtx)
          : null,
    now,
    catalog: assetCatalogs(env.ASSETS, (detail) =>
      logEvent({ level: "error", msg: "message catalogue unavailable", requestId: meta.requestId, detail }),
    ),
    defer,
    meta,
    trace: {},
  };
}

/**
 * Background work (deps.defer) that starts one timer turn later instead of where it is created.
 * A promise handed to deps.defer is already running: its synchronous start (building queries,
 * the first steps of a delivery) and whatever settles quickly (a local D1 answers within the same
 * turns) run before the runtime gets to write the response, and the caller waits for them. Under
 * wrangler dev that was ≈ 0.1 hash of latency on sign-in (`npm run bench`: 1.25–1.29 hashes
 * before, 1.13–1.19 with this). Deliveries of queued outbox rows start this way too (src/outbox/enqueue.ts).
 * `delayMs` holds CPU-heavy work back until the runtime has written the response, too.
 */
export function afterResponse(deps: Deps, work: () => unknown, delayMs = 0): void {
  // scheduler.wait, not setTimeout: the Node-compatible timer object cost ~1.5% of the request
  // endpoint's CPU in a profile (one per request).
  deps.defer(scheduler.wait(delayMs).then(work));
}

/** The default seam: everything from env, the real clock. */
export const defaultDeps: MakeDeps = (env, ctx, meta) => buildDeps(env, ctx, meta);
