import { generateKeyPairSync } from "node:crypto";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Two projects: "workers" runs inside workerd against real local D1 and KV, with the migrations
// wrangler applies; "node" runs build-time checks that need Node (the OpenAPI validator).
export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  const signingKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  return {
    test: {
      // Request logs are shown for failing tests only.
      silent: "passed-only" as const,
      projects: [
        {
          plugins: [
            cloudflareTest({
              wrangler: { configPath: "./wrangler.toml" },
              miniflare: {
                bindings: {
                  TEST_MIGRATIONS: migrations,
                  ENVIRONMENT: "development",
                  PUBLIC_BASE_URL: "https://reset.example.test",
                  MAIL_PROVIDER: "dev",
                  MAIL_API_KEY: "re_test_key_not_secret",
                  // Mail and HIBP never leave the machine in tests.
                  MAIL_API_BASE_URL: "http://127.0.0.1:9/mail",
                  HIBP_API_BASE_URL: "",
                  ADMIN_API_KEY: "test-admin-key-0123456789",
                  SECRET_KEY: "test-secret-key-0123456789abcdef0123456789abcdef",
                  SIGNING_KEY: JSON.stringify(signingKey),
                  // Low for speed; the production default (600,000) has its own test.
                  PASSWORD_HASH_ITERATIONS: "20000",
                  // Off, so the cron's retries stay testable one attempt at a time; the quick retries
                  // (production default 1 s, then 3 s) have their own tests, which turn them back on.
                  OUTBOX_QUICK_RETRIES: "off",
                  RATE_LIMITS: JSON.stringify({
                    resetPerIp: "1000/15m",
                    verifyPerIp: "1000/15m",
                    completePerIp: "1000/15m",
                    signInPerIp: "1000/15m",
                    pagesPerIp: "1000/15m",
                  }),
                },
              },
            }),
          ],
          test: {
            name: "workers",
            include: ["test/**/*.test.ts"],
            exclude: ["test/node/**", "test/e2e/**"],
            setupFiles: ["./test/setup.ts"],
            // CI runs two workerd processes on two cores: a test that takes 0.3 s alone was seen to
            // pass 5 s there (vitest's default), and its unfinished background work then leaked into
            // the next tests of its file. Slow is not wrong; a hang still fails, 15 s later.
            testTimeout: 15_000,
          },
        },
        {
          test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node" },
        },
      ],
    },
  };
});
