import { requestId } from "hono/request-id";
import { Hono } from "hono/tiny";
import type { Env } from "./config";
import { defaultDeps, type MakeDeps } from "./deps";
import { AppError } from "./domain/errors";
import { systemMeta } from "./domain/request";
import { runMaintenance } from "./flows/run-maintenance";
import type { AppEnv } from "./http/context";
import { toAppError } from "./http/errors";
import { bodyRules } from "./http/middleware";
import { problemResponse } from "./http/problem";
import { logEvent } from "./log";
import { nestAuthRoutes } from "./routes/compat/nestauth";
import { nexudusTokenRoute, nexudusUserRoutes } from "./routes/compat/nexudus";
import { singularityRoutes } from "./routes/compat/singularity";
import { opsRoutes } from "./routes/ops";
import { pageRoutes } from "./routes/pages";
import { devMailboxRoutes } from "./routes/pages/dev-mailbox";
import { accountLocks } from "./routes/v1/account-locks";
import { clientRoutes } from "./routes/v1/clients";
import { emailRoutes } from "./routes/v1/emails";
import { eventRoutes } from "./routes/v1/events";
import { mailEventRoutes } from "./routes/v1/mail-events";
import { passwordPolicyRoutes } from "./routes/v1/password-policy";
import { passwordResets } from "./routes/v1/password-resets";
import { meRoutes, sessionRoutes } from "./routes/v1/sessions";
import { suppressionRoutes } from "./routes/v1/suppressions";
import { apiKeyRoutes, tenantRoutes } from "./routes/v1/tenants";
import { userRoutes } from "./routes/v1/users";

/** A request slower than this (ms) is logged whatever its outcome. */
const SLOW_REQUEST_MS = 1000;

/** What the app is built from; tests pass their own `makeDeps` (a clock, a mailer, fake bindings). */
export interface AppOptions {
  makeDeps?: MakeDeps;
}

/** Builds the Hono app: request id -> log line -> deps -> body rules -> routes; errors mapped in one place. */
export function createApp({ makeDeps = defaultDeps }: AppOptions = {}) {
  const app = new Hono<AppEnv>();

  // A caller's X-Request-Id is kept only if it is harmless to echo and log; otherwise one is minted.
  app.use(requestId({ limitLength: 64 }));
  app.use(async (c, next) => {
    const started = Date.now();
    await next();
    if (!c.res.headers.has("Cache-Control")) c.res.headers.set("Cache-Control", "no-store");
    c.res.headers.set("X-Content-Type-Options", "nosniff");
    // A line per refused, failed or slow request (LOG_REQUESTS=all: per request): ids and codes
    // only, never tokens, codes, passwords, bodies or keys. Cloudflare's invocation logs (and
    // wrangler dev's own line) record every request; these add what went wrong and for whom.
    const deps = c.get("deps");
    const ms = Date.now() - started;
    const problem = c.res.status >= 400 || c.get("errorCode") !== undefined || ms >= SLOW_REQUEST_MS;
    if (!problem && deps?.config.logRequests !== "all") return;
    const trace = deps?.trace;
    logEvent({
      requestId: c.get("requestId"),
      method: c.req.method,
      route: c.req.routePath,
      status: c.res.status,
      ms,
      tenant: trace?.tenantId ?? c.get("admin")?.tenantId ?? null,
      client: trace?.clientId ?? null,
      outcome: c.get("errorCode") ?? "OK",
    });
  });

  app.use(async (c, next) => {
    const raw = c.req.raw as { cf?: { country?: string } };
    let country: string | null | undefined;
    c.set(
      "deps",
      await makeDeps(c.env, c.executionCtx, {
        requestId: c.get("requestId"),
        ip: c.req.header("CF-Connecting-IP") ?? null,
        // Read when first needed (audit rows, the changed-password email): the runtime builds the
        // whole `cf` object on access, ~3% of the request endpoint's CPU, which most answers never use.
        get country() {
          if (country === undefined) country = raw.cf?.country ?? null;
          return country;
        },
        userAgent: c.req.header("User-Agent") ?? null,
        acceptLanguage: c.req.header("Accept-Language") ?? null,
        clientId: c.req.header("X-Client-Id") ?? null,
      }),
    );
    return next();
  });

  app.use("/v1/*", bodyRules());

  const routes = app
    .route("/", opsRoutes)
    .route("/v1/password-resets", passwordResets)
    .route("/v1/account-locks", accountLocks)
    .route("/v1/sessions", sessionRoutes)
    .route("/v1/me", meRoutes)
    .route("/v1/users", userRoutes)
    .route("/v1/clients", clientRoutes)
    // Seed dialects (DESIGN §5), each 404 unless named in COMPAT_DIALECTS. "nexus" (seed 004) has no
    // routes of its own: its POST /v1/users/{userId}/password-reset is the canonical admin route, which
    // stays whatever COMPAT_DIALECTS says.
    .route("/api/sys/users", nexudusUserRoutes)
    .route("/api/token", nexudusTokenRoute)
    .route("/auth", nestAuthRoutes)
    .route("/api/auth", singularityRoutes)
    .route("/v1/emails", emailRoutes)
    .route("/v1/mail-events", mailEventRoutes)
    .route("/v1/suppressions", suppressionRoutes)
    .route("/v1/tenants", tenantRoutes)
    .route("/v1/api-keys", apiKeyRoutes)
    .route("/v1/password-policy", passwordPolicyRoutes)
    .route("/v1/events", eventRoutes)
    .route("/dev", devMailboxRoutes)
    .route("/", pageRoutes);

  app.notFound((c) =>
    problemResponse(c, new AppError("NOT_FOUND", `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`)),
  );
  app.onError((err, c) => problemResponse(c, toAppError(err, c)));
  return routes;
}

/** Route types for the Hono RPC client. */
export type AppType = ReturnType<typeof createApp>;

/** The Worker's handlers (fetch and the Cron Trigger) over one app and one `makeDeps`. */
export function createWorker(options: AppOptions = {}) {
  const makeDeps = options.makeDeps ?? defaultDeps;
  const app = createApp({ makeDeps });
  return {
    fetch: app.fetch,
    /** Cron Trigger: retries due outbox rows and purges expired data. */
    async scheduled(controller, env, ctx) {
      await runMaintenance(await makeDeps(env, ctx, systemMeta(`cron-${controller.scheduledTime}`)));
    },
  } satisfies ExportedHandler<Env>;
}
