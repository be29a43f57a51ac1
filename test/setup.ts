import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, afterEach, expect } from "vitest";
import { clock, depsOverrides } from "./helpers";
import { undocumentedErrors } from "./helpers/documented-errors";

// The same SQL files wrangler applies locally and remotely; re-running is a no-op.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

// No test reaches the network (mail providers, HIBP, webhook receivers): a test that needs an
// answer mocks fetch with vi.spyOn, which restores to this stub afterwards.
globalThis.fetch = async (input: RequestInfo | URL) => {
  throw new TypeError(`network access in a test: ${input instanceof Request ? input.url : String(input)}`);
};

// Every test starts at real time with the real dependencies.
afterEach(() => {
  clock.offset = 0;
  for (const k of Object.keys(depsOverrides)) delete depsOverrides[k as keyof typeof depsOverrides];
});

// The error codes this file's tests received on documented routes are all in public/openapi.json
// (run `npm run openapi` after documenting a new code next to its route).
afterAll(() => {
  expect(undocumentedErrors(), "error responses missing from the OpenAPI document").toEqual([]);
});
