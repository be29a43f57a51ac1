// Starts a throwaway `wrangler dev` for the browser tests: random secrets in a temp env file, a
// fresh local D1 (migrations applied, two e2e clients seeded) under a temp --persist-to directory,
// a free local port. Used as the vitest globalSetup of vitest.e2e.config.ts, or run directly
// (`node scripts/e2e-server.mjs`) to poke at the same setup by hand.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freshSecrets, writeEnvFile } from "./lib/env-file.mjs";
import { freePort, startLocalWorker } from "./lib/local-worker.mjs";

/** Starts the server; resolves to what the tests need and a stop() that cleans everything up. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "resetkit-e2e-"));
  // The port is part of the vars (PUBLIC_BASE_URL, the seeded redirect), so it is chosen first.
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const secrets = freshSecrets();
  const redirectUri = `${baseUrl}/healthz?after=reset`;
  const envFile = join(dir, "e2e.env");
  writeEnvFile(envFile, {
    ENVIRONMENT: "development",
    PUBLIC_BASE_URL: baseUrl,
    MAIL_PROVIDER: "dev",
    MAIL_FROM: "resetkit e2e <no-reply@example.test>",
    ...secrets,
    PASSWORD_HASH_ITERATIONS: "20000",
    RATE_LIMITS: JSON.stringify({
      resetPerIp: "1000/15m",
      resetPerEmail: "100/15m",
      verifyPerIp: "1000/15m",
      completePerIp: "1000/15m",
      signInPerIp: "1000/15m",
      pagesPerIp: "1000/15m",
    }),
  });
  const branding = JSON.stringify({
    productName: "Acme Notes",
    accentColor: "#0b6e4f",
    supportUrl: "https://help.acme.example/",
    footer: "Acme Notes Ltd · 1 Example Street",
  });
  const seed = join(dir, "seed.sql");
  writeFileSync(
    seed,
    `INSERT INTO clients (id, tenant_id, name, redirect_uris, branding, issue_login_token, created_at)
VALUES ('e2e', 'default', 'Acme Notes', '${JSON.stringify([redirectUri])}', '${branding}', 1, 0);\n`,
  );
  const { stop } = await startLocalWorker({
    persistTo: dir,
    envFile,
    port,
    seed: { file: seed },
    devArgs: ["--log-level", "error"],
    removeOnStop: [dir],
  });
  return { baseUrl, adminKey: secrets.ADMIN_API_KEY, clientId: "e2e", redirectUri, stop };
}

/** vitest globalSetup: start once, share the URLs (and the browser to use) with the tests, stop at the end. */
export default async function setup(project) {
  const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    throw new Error(`no Chromium at ${chromium}: apt-get install -y chromium (Debian), or set CHROMIUM_PATH`);
  }
  const { stop, ...server } = await startServer();
  project.provide("e2e", { ...server, chromium });
  return () => stop();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = await startServer();
  console.log(`resetkit e2e server at ${server.baseUrl} (admin key ${server.adminKey}); Ctrl-C stops it.`);
  for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.stop().then(() => process.exit(0)));
}
