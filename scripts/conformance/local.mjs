// `npm run conformance:local [-- <kit options>]`: the conformance kit against a throwaway
// `wrangler dev` (what .ci/run does). Fresh secrets and a fresh local D1 in a temp directory, the
// built-in rate limits, and real outgoing mail: MAIL_PROVIDER=resend pointed at the fake resend API
// the kit runs on --mail-port, so the mail path a deployment uses is the one exercised.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freshSecrets, writeEnvFile } from "../lib/env-file.mjs";
import { freePort, startLocalWorker } from "../lib/local-worker.mjs";

const dir = mkdtempSync(join(tmpdir(), "resetkit-conformance-"));
const port = await freePort();
const mailPort = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const secrets = freshSecrets();
writeEnvFile(join(dir, ".env"), {
  ...secrets,
  ENVIRONMENT: "development",
  PUBLIC_BASE_URL: baseUrl,
  MAIL_PROVIDER: "resend",
  MAIL_API_KEY: "re_conformance_fake_key",
  MAIL_API_BASE_URL: `http://127.0.0.1:${mailPort}`,
  MAIL_FROM: "resetkit conformance <no-reply@example.com>",
  // Cheaper hashing than production's 600,000 (the kit checks behaviour, not cost); limits stay the defaults.
  PASSWORD_HASH_ITERATIONS: "100000",
  RATE_LIMITS: "{}",
});

let worker;
const stop = () => worker?.stop();
process.on("SIGINT", () => stop().then(() => process.exit(130)));
worker = await startLocalWorker({
  persistTo: dir,
  envFile: join(dir, ".env"),
  port,
  devArgs: ["--log-level", "error"],
  stdio: ["ignore", "ignore", "inherit"],
  removeOnStop: [dir],
  // An allowlisted redirect URI, so that redirect-allowlist-exact has look-alikes of a real one to refuse.
  seed: { command: `UPDATE clients SET redirect_uris = '["${baseUrl}/after-reset"]' WHERE id = 'default'` },
  onSpawn: (w) => (worker = w),
});

const kit = spawn(
  process.execPath,
  [
    new URL("./cli.mjs", import.meta.url).pathname,
    "--base-url",
    baseUrl,
    "--admin-key",
    secrets.ADMIN_API_KEY,
    "--mail-port",
    String(mailPort),
    ...process.argv.slice(2).filter((a) => a !== "--"),
  ],
  { stdio: "inherit" },
);
const code = await new Promise((resolve) => kit.on("close", (c) => resolve(c ?? 1)));
await stop();
process.exit(code);
