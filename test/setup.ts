import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// The same SQL files wrangler applies locally and remotely; re-running is a no-op.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// No test reaches the network (mail providers, HIBP, webhook receivers): a test that needs an
// answer mocks fetch with vi.spyOn, which restores to this stub afterwards.
globalThis.fetch = async (input: RequestInfo | URL) => {
  throw new TypeError(`network access in a test: ${input instanceof Request ? input.url : String(input)}`);
};
