// The one way the scripts start the Worker locally (dev.mjs, e2e-server.mjs, bench.mjs): wrangler's
// JS entry run with a Node it supports, no telemetry, local D1 migrations and seed SQL, `wrangler dev`,
// a wait for GET /healthz, and a stop() that takes wrangler's children (workerd) down with it.
// Only Node 20 APIs: dev.mjs may run on an older system node and picks the Node 22 for wrangler here.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root (where wrangler.toml and node_modules are). */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** wrangler 4 needs Node >= 22.12. */
export function isNodeRecentEnough(version = process.versions.node) {
  const [maj, min] = version.split(".").map(Number);
  return maj > 22 || (maj === 22 && min >= 12);
}

/**
 * The Node binary to run wrangler with: this one when recent enough, else the `node` devDependency's
 * (npm scripts put it first on PATH; `node scripts/x.mjs` with an older node does not).
 */
export function nodeForWrangler() {
  if (isNodeRecentEnough()) return process.execPath;
  const local = join(ROOT, "node_modules", "node", "bin", "node");
  if (!existsSync(local)) {
    throw new Error(`wrangler needs Node >= 22.12 (this is ${process.version}); run \`npm install\` first.`);
  }
  return local;
}

/** Path of wrangler's JS entry (its package exports hide bin/, so read the bin field). */
export function wranglerEntry() {
  try {
    const pkgPath = createRequire(import.meta.url).resolve("wrangler/package.json");
    return join(dirname(pkgPath), JSON.parse(readFileSync(pkgPath, "utf8")).bin.wrangler);
  } catch {
    throw new Error("wrangler is not installed; run `npm install` first.");
  }
}

/** process.env plus `extra`, with wrangler's metrics, error reports and prompts switched off. */
export function quietEnv(extra = {}) {
  return {
    ...process.env,
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true",
    DO_NOT_TRACK: "1",
    ...extra,
  };
}

let resolved;
/** { node, entry }: how to run wrangler here; throws the messages above when either is missing. */
export function resolveWrangler() {
  resolved ??= { node: nodeForWrangler(), entry: wranglerEntry() };
  return resolved;
}

/**
 * Runs one wrangler command to completion (non-interactive: CI=true, stdin ignored). `output` is
 * "pipe" (kept, shown only in the error) or "inherit"/"ignore"; rejects unless it exits with 0.
 */
export function runWrangler(args, { output = "pipe", env = {}, onSpawn } = {}) {
  const { node, entry } = resolveWrangler();
  return new Promise((resolvePromise, reject) => {
    // CI=true: `d1 migrations apply` has no --yes and would otherwise ask for confirmation.
    const childEnv = quietEnv({ CI: "true", ...env });
    const child = spawn(node, [entry, ...args], { stdio: ["ignore", output, output], env: childEnv });
    onSpawn?.(child);
    let captured = "";
    const keep = (chunk) => {
      captured = (captured + chunk).slice(-8000);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    child.on("error", (e) => reject(new Error(`could not start wrangler: ${e.message}`)));
    child.on("close", (code, signal) => {
      if (code === 0) return resolvePromise();
      const why = signal ?? `exit code ${code}`;
      const shown = captured ? `:\n${captured.trimEnd()}` : "";
      reject(new Error(`wrangler ${args.slice(0, 3).join(" ")} failed (${why})${shown}`));
    });
  });
}

/** Applies the migrations to the local D1 database; `flags` e.g. ["--persist-to", dir, "--config", path]. */
export function applyMigrations({ flags = [], ...opts } = {}) {
  return runWrangler(["d1", "migrations", "apply", "DB", "--local", ...flags], opts);
}

/** Runs SQL against the local D1 database, from a `file` or a `command` string. */
export function executeSql({ file, command, flags = [], ...opts }) {
  const source = file !== undefined ? ["--file", file] : ["--command", command];
  return runWrangler(["d1", "execute", "DB", "--local", "--yes", ...flags, ...source], opts);
}

/**
 * Spawns `wrangler dev <args>`. `detached` (default) puts it in its own process group, which stop()
 * kills whole; an interactive caller passes false so wrangler keeps the terminal (stdin) and gets
 * Ctrl+C itself. Returns { child, exited (resolves to { code, signal }), stop() }.
 */
export function spawnDev(args, opts = {}) {
  const { stdio = ["ignore", "inherit", "inherit"], env = {}, detached = true, removeOnStop = [] } = opts;
  const { node, entry } = resolveWrangler();
  const child = spawn(node, [entry, "dev", ...args], { stdio, env: quietEnv(env), detached });
  const exited = new Promise((resolvePromise) => {
    child.once("error", (error) => resolvePromise({ code: null, signal: null, error }));
    child.once("exit", (code, signal) => resolvePromise({ code, signal }));
  });
  const signalAll = (signal) => {
    try {
      if (detached) process.kill(-child.pid, signal);
      else child.kill(signal);
    } catch {
      // already gone
    }
  };
  let stopping;
  /** SIGTERM now (synchronously, so it also works from an "exit" handler), SIGKILL after graceMs. */
  const stop = ({ graceMs = 10_000 } = {}) => {
    stopping ??= (async () => {
      if (child.pid !== undefined) signalAll("SIGTERM");
      const force = setTimeout(() => signalAll("SIGKILL"), graceMs);
      force.unref();
      await exited;
      clearTimeout(force);
      // workerd may still be shutting down after wrangler exited: it must not keep files open.
      if (detached && child.pid !== undefined) await groupGone(child.pid, graceMs);
      for (const path of removeOnStop) rmSync(path, { recursive: true, force: true });
    })();
    return stopping;
  };
  return { child, exited, stop };
}

async function groupGone(pgid, ms) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return;
    }
    if (Date.now() > until) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Resolves once GET <baseUrl>/healthz answers (2xx, or any HTTP answer when `anyStatus`); rejects when
 * `exited` (a spawnDev promise) settles first or after `timeoutMs`.
 */
export async function waitForHealthy(baseUrl, { exited, timeoutMs = 90_000, anyStatus = false } = {}) {
  let gone = null;
  exited?.then((e) => (gone = e));
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (gone) {
      const why = gone.error?.message ?? gone.signal ?? `exit code ${gone.code}`;
      throw new Error(`wrangler dev exited (${why}) before /healthz answered`);
    }
    try {
      const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.body?.cancel();
      if (res.ok || anyStatus) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`wrangler dev did not answer ${baseUrl}/healthz within ${timeoutMs} ms`);
}

/** A TCP port nobody listens on right now. */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolvePromise, reject) => {
    const s = createServer();
    s.on("error", reject);
    s.listen(0, host, () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (s.address());
      s.close(() => resolvePromise(port));
    });
  });
}

/**
 * A throwaway local Worker on 127.0.0.1: migrations (then `seed`: { file } or { command }) on the
 * `persistTo` directory, `wrangler dev` with `envFile`, free ports unless given, `devArgs` appended;
 * resolves once /healthz is 2xx to { baseUrl, port, child, exited, stop } (stop also removes
 * `removeOnStop`); `onSpawn` gets that handle as soon as wrangler dev runs, for signal handlers.
 * Nothing is left running when it rejects.
 */
export async function startLocalWorker({
  persistTo,
  envFile,
  port,
  inspectorPort,
  seed,
  devArgs = [],
  stdio = ["ignore", "inherit", "inherit"],
  env = {},
  timeoutMs = 90_000,
  removeOnStop = [],
  onSpawn,
} = {}) {
  const cleanUp = () => {
    for (const p of removeOnStop) rmSync(p, { recursive: true, force: true });
  };
  const d1Flags = persistTo ? ["--persist-to", persistTo] : [];
  // Quiet output, but uncoloured in case it ends up in an error message.
  const quiet = { NO_COLOR: "1", ...env };
  try {
    await applyMigrations({ flags: d1Flags, env: quiet });
    if (seed) await executeSql({ ...seed, flags: d1Flags, env: quiet });
    port ??= await freePort();
    // Its own inspector port, so that two local Workers (e2e and dev, say) do not clash on 9229.
    inspectorPort ??= await freePort();
  } catch (e) {
    cleanUp();
    throw e;
  }
  const args = ["--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort)];
  if (persistTo) args.push("--persist-to", persistTo);
  if (envFile) args.push("--env-file", envFile);
  args.push("--show-interactive-dev-session=false", ...devArgs);
  const worker = spawnDev(args, { stdio, env: { CI: "true", ...quiet }, removeOnStop });
  const baseUrl = `http://127.0.0.1:${port}`;
  onSpawn?.({ baseUrl, port, ...worker });
  try {
    await waitForHealthy(baseUrl, { exited: worker.exited, timeoutMs });
  } catch (e) {
    await worker.stop();
    throw e;
  }
  return { baseUrl, port, ...worker };
}
