import { defineConfig } from "vitest/config";

// Browser tests: plain Node (not the workers pool), one wrangler dev for the whole run
// (scripts/e2e-server.mjs), files in sequence because they share one Chromium and one server.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    environment: "node",
    globalSetup: ["./scripts/e2e-server.mjs"],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
  },
});
