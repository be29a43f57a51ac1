import type { D1Migration } from "cloudflare:test";
import type { Env } from "../src/config";

declare global {
  namespace Cloudflare {
    interface Env {
      DB: D1Database;
      RATE_LIMIT_KV: KVNamespace;
      TEST_MIGRATIONS: D1Migration[];
    }
  }
}

export type { Env };
