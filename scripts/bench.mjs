// `npm run bench`: starts `wrangler dev` on a throwaway local database with the PRODUCTION hashing
// parameters (600,000 PBKDF2 iterations), seeds users, and drives each endpoint with autocannon.
// Prints requests/s, p50, p99 and error counts as a table; then prices complete and sign-in in
// PBKDF2 hashes against the floor (one production hash, timed in the same run, see below) and
// prints that as a second table. Both go to bench-results.json.
// Only loopback traffic; every run is bounded in time and count, and stops by itself.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { freshSecrets, writeEnvFile } from "./lib/env-file.mjs";
import { freePort, ROOT, spawnDev, startLocalWorker, waitForHealthy } from "./lib/local-worker.mjs";

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
// The floor: one production hash, timed the way the routes are (a small JSON POST over loopback,
// p50 of sequential requests), interleaved with the complete and sign-in requests it prices.
// Measured in scripts/bench-floor-worker.ts, a second Worker that wrangler dev runs next to resetkit
// in this run (same wrangler and workerd, resetkit's compatibility date and flags, the same .env):
// it calls src/crypto/password.ts's hashPassword with the parameters resetkit derives, and nothing
// else. Why not a route of resetkit: the shipped Worker gets no bench-only endpoint, and the
// difference between routes that do and do not hash (POST /v1/users with and without a password,
// say) also contains their blocklist lookup and policy, exactly what the multiple must show. Why not
// in resetkit's own wrangler dev: with several configs, wrangler serves only the first Worker.
const wranglerToml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
const tomlValue = (key) => new RegExp(`^${key}\\s*=\\s*(.+)$`, "m").exec(wranglerToml)?.[1];
const floorConfig = join(dir, "floor.wrangler.json");
writeFileSync(
  floorConfig,
  JSON.stringify({
    name: "resetkit-bench-floor",
    main: join(ROOT, "scripts", "bench-floor-worker.ts"),
    compatibility_date: JSON.parse(tomlValue("compatibility_date")),
    compatibility_flags: JSON.parse(tomlValue("compatibility_flags") ?? "[]"),
    minify: true,
  }),
);
const floorPort = await freePort();
const floorBase = `http://127.0.0.1:${floorPort}`;

// Ctrl+C or a failed run must not leave the detached wrangler devs behind.
let server;
let floor;
process.on("exit", () => {
  void server?.stop();
  void floor?.stop();
  rmSync(dir, { recursive: true, force: true });
});
process.on("SIGINT", () => process.exit(130));
floor = spawnDev(
  [
    "--config",
    floorConfig,
    "--ip",
    "127.0.0.1",
    "--port",
    String(floorPort),
    "--inspector-port",
    String(await freePort()),
    "--env-file",
    join(dir, ".env"),
    "--show-interactive-dev-session=false",
    "--log-level",
    "error",
  ],
  { stdio: ["ignore", "ignore", "inherit"], env: { CI: "true", NO_COLOR: "1" } },
);
await waitForHealthy(floorBase, { exited: floor.exited, timeoutMs: 60_000 });
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

// Seed: users with a password (so that complete checks reuse against it), one live reset each;
// tokens from the dev mailbox.
const emails = Array.from({ length: USERS }, (_, i) => `bench${i}@example.com`);
for (const [i, email] of emails.entries()) {
  const res = await json(
    "/v1/users",
    { email, password: `Seeded-passphrase-${i}-ok` },
    { Authorization: `Bearer ${admin}` },
  );
  if (res.status !== 201) throw new Error(`seeding ${email}: HTTP ${res.status} ${await res.text()}`);
}
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

// Complete and sign-in in hashes: sequential requests (one at a time, so each p50 is one request's
// own cost, not a queue), each one right after a floor request, so that both see the same load.
await new Promise((r) => setTimeout(r, 3000));
// Hashes each must do. Sign-in: one verification (the bench imported no foreign hashes, so no
// floor of theirs, and every stored hash has the current parameters, so no rehash). Complete: the
// new hash, plus one verification per remembered password the policy checks (isReusedPassword in
// src/flows/password-rules.ts): historySize of them, at most as many as the user has had; here two,
// the seeded one and the one set by the complete run above. The default client's stored policy,
// else DEFAULT_POLICY's historySize (src/domain/password-policy.ts).
const { passwordPolicy } = await (
  await fetch(`${base}/v1/clients/default`, { headers: { Authorization: `Bearer ${admin}` } })
).json();
const historySize = Math.min(10, Math.max(0, passwordPolicy?.historySize ?? 1));
const completeHashes = 1 + Math.min(historySize, 2);
const since = Date.now();
for (const email of emails) await json("/v1/password-resets", { email });
/** The newest reset token mailed to each address since `since` (the dev mailbox lists the newest 100). */
const tokensSince = async () => {
  const { messages } = await (await fetch(`${base}/dev/mailbox.json`)).json();
  const byAddress = new Map();
  for (const m of messages) {
    const token = /token=([A-Za-z0-9_-]{43})/.exec(m.text)?.[1];
    if (token && Date.parse(m.createdAt) >= since && !byAddress.has(m.to)) byAddress.set(m.to, token);
  }
  return byAddress;
};
let sequential = await tokensSince();
for (let waited = 0; sequential.size < emails.length && waited < 10_000; waited += 500) {
  await new Promise((r) => setTimeout(r, 500));
  sequential = await tokensSince();
}
/** Wall time of one POST over loopback, body read; throws on anything but 2xx. */
const timed = async (url, body) => {
  const t = performance.now();
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  await res.arrayBuffer();
  const ms = performance.now() - t;
  if (!res.ok) throw new Error(`POST ${url}: HTTP ${res.status}`);
  return ms;
};
// As src/crypto/password.ts's splitIterations splits PASSWORD_HASH_ITERATIONS=600000.
const splitText = "6 deriveBits calls of 100,000";
const hashFloor = (i) => timed(`${floorBase}/hash`, { password: `Floor-passphrase-${i}-ok` });
// The floor Worker's isolate starts (and derives its pepper) on the first requests: not measured.
for (let i = 0; i < 3; i++) await hashFloor(i);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const priced = async (endpoint, hashes, requests) => {
  const [floorMs, ms] = [[], []];
  for (const [i, body] of requests.entries()) {
    floorMs.push(await hashFloor(i));
    ms.push(await timed(base + endpoint, body));
  }
  const [p50, floorP50] = [median(ms), median(floorMs)];
  return {
    endpoint: `POST ${endpoint}`,
    hashes,
    requests: ms.length,
    p50,
    floorP50,
    multiple: p50 / floorP50,
    perHash: p50 / floorP50 / hashes,
  };
};
const seqUsers = [...sequential.keys()];
const hashRows = [
  await priced(
    "/v1/password-resets/complete",
    completeHashes,
    seqUsers.map((email) => ({
      token: sequential.get(email),
      newPassword: `Sequential-passphrase-${emails.indexOf(email)}-ok`,
    })),
  ),
  await priced(
    "/v1/sessions",
    1,
    seqUsers.map((email) => ({ email, password: `Sequential-passphrase-${emails.indexOf(email)}-ok` })),
  ),
];

const row = (r) =>
  `| ${r.endpoint.padEnd(33)} | ${String(r.requests).padStart(8)} | ${r.rps.toFixed(1).padStart(8)} | ${String(r.p50).padStart(6)} | ${String(r.p99).padStart(6)} | ${String(r.non2xx).padStart(6)} | ${String(r.errors).padStart(6)} |`;
console.log(
  `\nresetkit bench — wrangler dev (local workerd), ${CONNECTIONS} connections, ${SECONDS}s per endpoint, PBKDF2 600,000 iterations`,
);
console.log(`| ${"endpoint".padEnd(33)} | requests |    req/s | p50 ms | p99 ms | non2xx | errors |`);
console.log(`|${"-".repeat(35)}|----------|----------|--------|--------|--------|--------|`);
for (const r of results) console.log(row(r));
console.log(
  `\nIn PBKDF2 hashes — sequential requests, each after one of the floor (one 600,000-iteration hash, ${
    splitText
  }), p50 of ${hashRows[0].requests} pairs; goal: multiple per hash ≤ 1.1`,
);
const hashRow = (r) =>
  `| ${r.endpoint.padEnd(33)} | ${String(r.hashes).padStart(6)} | ${r.p50.toFixed(1).padStart(6)} | ${r.floorP50.toFixed(1).padStart(8)} | ${`${r.multiple.toFixed(2)}×`.padStart(8)} | ${`${r.perHash.toFixed(2)}×`.padStart(8)} |`;
console.log(`| ${"endpoint".padEnd(33)} | hashes | p50 ms | floor ms | multiple | per hash |`);
console.log(`|${"-".repeat(35)}|--------|--------|----------|----------|----------|`);
for (const r of hashRows) console.log(hashRow(r));
const report = {
  date: new Date().toISOString(),
  node: process.version,
  seeded: { users: USERS, tokens: liveTokens.length, initialTokens: tokens.length },
  results,
  hashFloor: { iterations: 600_000, split: splitText, historySize, results: hashRows },
};
writeFileSync("bench-results.json", JSON.stringify(report, null, 2));
console.log(`\n${JSON.stringify(report)}`);
await Promise.all([server.stop(), floor.stop()]);
process.exit(0);
