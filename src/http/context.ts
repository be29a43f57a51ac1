import type { Env } from "../config";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";

/** Hono environment of the app. */
export interface AppEnv {
  Bindings: Env;
  Variables: {
    deps: Deps;
    requestId: string;
    admin: AdminScope;
    errorCode: string;
    /** A hosted page's posted form, once the body rules accepted and the handler read it (error pages reuse it). */
    form: Record<string, string>;
  };
}
