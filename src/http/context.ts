import type { Env } from "../config";
import type { Deps } from "../deps";

/** Who an admin request acts as: the root key (every tenant) or one tenant. */
export interface AdminScope {
  root: boolean;
  /** null only for the root key. */
  tenantId: string | null;
}

/** Hono environment of the app. */
export interface AppEnv {
  Bindings: Env;
  Variables: { deps: Deps; requestId: string; admin: AdminScope; errorCode: string };
}
