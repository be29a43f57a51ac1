// Starts a throwaway `wrangler dev` for the browser tests: random secrets in a temp env file, a
// fresh local D1 (migrations applied, two e2e clients seeded) under a temp --persist-to directory,
// a free local port. Used as the vitest globalSetup of vitest.e2e.config.ts, or run directly
// (`node scripts/e2e-server.mjs`) to poke at the same setup by hand.
import { execFile, spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

// wrangler's package exports hide bin/, so find the package and join the path.
const wrangler = join(dirname(createRequire(import.meta.url).resolve("wrangler/package.json")), "bin", "wrangler.js");
const run = promisify(execFile);
const quiet = { ...process.env, CI: "1", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (s.address());
      s.close(() => resolve(port));
    });
  });
}

async function waitForHealth(baseUrl, child, ms = 90_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not become healthy within ${ms} ms`);
}

/** Starts the server; resolves to what the tests need and a stop() that cleans everything up. */
export async function startServer() {
  const dir = mkdtempSync(join(tmpdir(), "resetkit-e2e-"));
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const adminKey = randomBytes(24).toString("base64url");
  const signingKey = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" });
  const redirectUri = `${baseUrl}/healthz?after=reset`;
  const vars = {
    ENVIRONMENT: "development",
    PUBLIC_BASE_URL: baseUrl,
    MAIL_PROVIDER: "dev",
    MAIL_FROM: "resetkit e2e <no-reply@example.test>",
    ADMIN_API_KEY: adminKey,
    SECRET_KEY: randomBytes(32).toString("base64url"),
    SIGNING_KEY: JSON.stringify(signingKey),
    PASSWORD_HASH_ITERATIONS: "20000",
    RATE_LIMITS: JSON.stringify({ resetPerIp: "1000/15m", resetPerEmail: "100/15m", verifyPerIp: "1000/15m", completePerIp: "1000/15m", signInPerIp: "1000/15m" }),
  };
  // Single quotes: dotenv keeps the JSON values verbatim.
  const envFile = join(dir, "e2e.env");
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}='${v}'`).join("\n") + "\n");
  const branding = JSON.stringify({ productName: "Acme Notes", accentColor: "#0b6e4f", supportUrl: "https://help.acme.example/", footer: "Acme Notes Ltd · 1 Example Street" });
  const seed = join(dir, "seed.sql");
  writeFileSync(
    seed,
    `INSERT INTO clients (id, tenant_id, name, redirect_uris, branding, issue_login_token, created_at)
VALUES ('e2e', 'default', 'Acme Notes', '${JSON.stringify([redirectUri])}', '${branding}', 1, 0);\n`,
  );
  await run(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", dir], { env: quiet });
  await run(process.execPath, [wrangler, "d1", "execute", "DB", "--local", "--persist-to", dir, "--file", seed], { env: quiet });

  const child = spawn(
    process.execPath,
    [wrangler, "dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(await freePort()), "--persist-to", dir, "--env-file", envFile, "--show-interactive-dev-session=false", "--log-level", "error"],
    { env: quiet, stdio: ["ignore", "inherit", "inherit"], detached: true },
  );
  const stop = async () => {
    // The whole process group: wrangler starts workerd as a child.
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
    await new Promise((r) => (child.exitCode !== null ? r() : child.once("exit", r)));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForHealth(baseUrl, child);
  } catch (e) {
    await stop();
    throw e;
  }
  return { baseUrl, adminKey, clientId: "e2e", redirectUri, stop };
}

/** vitest globalSetup: start once, share the URLs (and the browser to use) with the tests, stop at the end. */
export default async function setup(project) {
  const chromium = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
  if (!existsSync(chromium)) {
    throw new Error(`no Chromium at ${chromium}: apt-get install -y chromium (Debian), or set CHROMIUM_PATH`);
  }
  const { stop, ...server } = await startServer();
  project.provide("e2e", { ...server, chromium });
  return stop;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startServer();
  console.log(`resetkit e2e server at ${server.baseUrl} (admin key ${server.adminKey}); Ctrl-C stops it.`);
  process.on("SIGINT", () => server.stop().then(() => process.exit(0)));
}
