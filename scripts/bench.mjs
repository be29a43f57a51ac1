// `npm run bench`: starts `wrangler dev` on a throwaway local database with the PRODUCTION hashing
// parameters (600,000 PBKDF2 iterations), seeds users, and drives each endpoint with autocannon.
// Prints requests/s, p50, p99 and error counts as a table and writes bench-results.json.
// Only loopback traffic; every run is bounded in time and count, and stops by itself.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freshSecrets, writeEnvFile } from "./lib/env-file.mjs";
import { freePort, startLocalWorker } from "./lib/local-worker.mjs";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const USERS = Number(process.env.BENCH_USERS ?? 60);

const dir = mkdtempSync(join(tmpdir(), "resetkit-bench-"));
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const secrets = freshSecrets();
const admin = secrets.ADMIN_API_KEY;
const limits = JSON.stringify(
  Object.fromEntries(
    [
      "resetPerEmail",
      "resetPerIp",
      "verifyPerIp",
      "completePerIp",
      "signInPerAccount",
      "signInPerAccountTotal",
      "signInPerIp",
      "resetEmailsPerAddress",
    ].map((b) => [b, "10000000/1m"]),
  ),
);
// Production hashing; the dev mailbox, so that the seeded resets' tokens can be read back.
writeEnvFile(join(dir, ".env"), {
  ...secrets,
  RATE_LIMITS: limits,
  PASSWORD_HASH_ITERATIONS: "600000",
  ENVIRONMENT: "development",
  MAIL_PROVIDER: "dev",
  PUBLIC_BASE_URL: base,
});
// Ctrl+C or a failed run must not leave the detached wrangler dev behind.
let server;
process.on("exit", () => {
  void server?.stop();
  rmSync(dir, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));
server = await startLocalWorker({
  persistTo: dir,
  envFile: join(dir, ".env"),
  port,
  devArgs: ["--log-level", "error"],
  stdio: ["ignore", "ignore", "inherit"],
  timeoutMs: 60_000,
  removeOnStop: [dir],
  // stop() signals synchronously, so the "exit" handler can use it.
  onSpawn: (worker) => (server = worker),
});

const json = (path, body, headers = {}) =>
  fetch(base + path, {
    method: "POST",
    headers: { "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

// Seed: users without a password (no hashing), one live reset each; tokens from the dev mailbox.
const emails = Array.from({ length: USERS }, (_, i) => `bench${i}@example.com`);
for (const email of emails) await json("/v1/users", { email }, { Authorization: `Bearer ${admin}` });
for (const email of emails) await json("/v1/password-resets", { email });
await new Promise((r) => setTimeout(r, 1000));
const { messages } = await (await fetch(`${base}/dev/mailbox.json`)).json();
const tokens = [...new Set(messages.map((m) => /token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1]).filter(Boolean))];

/** Drives one endpoint; `next` yields each request's JSON body. */
const run = (path, next, opts = {}) =>
  new Promise((resolve, reject) => {
    const title = `POST ${path}`;
    const o = {
      url: base,
      connections: CONNECTIONS,
      duration: SECONDS,
      ...opts,
      // autocannon takes path and method from the request entry, not from the top-level options.
      requests: [
        {
          method: "POST",
          path,
          headers: { "content-type": "application/json" },
          setupRequest: (r) => ({ ...r, body: next() }),
        },
      ],
    };
    if (o.amount) delete o.duration; // a fixed number of requests instead of a time box
    autocannon(o, (err, r) =>
      err
        ? reject(err)
        : resolve({
            endpoint: title,
            requests: r.requests.total,
            rps: r.requests.average,
            p50: r.latency.p50,
            p99: r.latency.p99,
            non2xx: r.non2xx,
            errors: r.errors + r.timeouts,
          }),
    );
  });
const cycle = (bodies) => {
  let i = 0;
  return () => JSON.stringify(bodies[i++ % bodies.length]);
};

const results = [];
const unknown = Array.from({ length: 50 }, (_, i) => ({ email: `nobody${i}@example.com` }));
results.push(await run("/v1/password-resets", cycle([...unknown, ...emails.map((email) => ({ email }))])));
// Re-read tokens once the last background sends settled: the request run superseded older resets.
await new Promise((r) => setTimeout(r, 3000));
const fresh = await (await fetch(`${base}/dev/mailbox.json`)).json();
const live = new Map();
for (const m of fresh.messages) if (!live.has(m.to)) live.set(m.to, /token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1]);
const liveTokens = [...live.values()].filter(Boolean);
const nextVerify = cycle(liveTokens.map((token) => ({ token })));
results.push(await run("/v1/password-resets/verify", nextVerify));
// Complete consumes a token per request: one pass over the live tokens, production hashing.
const nextComplete = cycle(liveTokens.map((token, i) => ({ token, newPassword: `Bench-passphrase-${i}-ok` })));
results.push(
  await run("/v1/password-resets/complete", nextComplete, {
    amount: liveTokens.length,
    connections: Math.min(CONNECTIONS, 4),
  }),
);
const owners = [...live.keys()];
const nextSignIn = cycle(
  owners.map((email) => ({ email, password: `Bench-passphrase-${liveTokens.indexOf(live.get(email))}-ok` })),
);
results.push(await run("/v1/sessions", nextSignIn));

const row = (r) =>
  `| ${r.endpoint.padEnd(32)} | ${String(r.requests).padStart(8)} | ${r.rps.toFixed(1).padStart(8)} | ${String(r.p50).padStart(6)} | ${String(r.p99).padStart(6)} | ${String(r.non2xx).padStart(6)} | ${String(r.errors).padStart(6)} |`;
console.log(
  `\nresetkit bench — wrangler dev (local workerd), ${CONNECTIONS} connections, ${SECONDS}s per endpoint, PBKDF2 600,000 iterations`,
);
console.log(`| ${"endpoint".padEnd(32)} | requests |    req/s | p50 ms | p99 ms | non2xx | errors |`);
console.log(`|${"-".repeat(34)}|----------|----------|--------|--------|--------|--------|`);
for (const r of results) console.log(row(r));
const report = {
  date: new Date().toISOString(),
  node: process.version,
  seeded: { users: USERS, tokens: liveTokens.length, initialTokens: tokens.length },
  results,
};
writeFileSync("bench-results.json", JSON.stringify(report, null, 2));
console.log(`\n${JSON.stringify(report)}`);
await server.stop();
process.exit(0);
