// `npm run dev [-- <wrangler dev args>]`: local development in one command.
//  1. the vars file: .dev.vars, or the file given with wrangler's own `--env-file <path>` (wrangler
//     then reads that file instead of .dev.vars). Written with fresh random secrets and the
//     dev-mailbox defaults (ENVIRONMENT=development, MAIL_PROVIDER=dev, PUBLIC_BASE_URL) when missing,
//     never overwritten; an existing file only gets the lines it lacks appended. What it says wins.
//  2. applies the D1 migrations to the local database,
//  3. seeds demo data (the default client accepts http://localhost:<port>/ as redirectUri),
//  4. runs `wrangler dev` with exactly the arguments given after `--` (e.g. --port 9000 --test-scheduled,
//     or --var KEY:VALUE, which beats the vars file), and prints the URLs, where mail goes and the
//     admin API key once the server answers.
// Secrets other than the admin key are never printed.
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { appendEnvFile, freshSecrets, readEnvFile, writeEnvFile } from "./lib/env-file.mjs";
import { applyMigrations, executeSql, ROOT, resolveWrangler, spawnDev, waitForHealthy } from "./lib/local-worker.mjs";

process.chdir(ROOT);

function fail(message) {
  console.error(`\n[dev] ${message}`);
  process.exit(1);
}

// wrangler's Node (>= 22.12: this one or node_modules') and entry, before anything else can go wrong.
try {
  resolveWrangler();
} catch (e) {
  fail(e.message);
}

// ---------------------------------------------------------------------------------------------
// Arguments: all of them go to `wrangler dev` unchanged; a few are also read here.
let args = process.argv.slice(2);
if (args[0] === "--") args = args.slice(1); // `node scripts/dev.mjs -- --port 9000`

// Flags read here, by every spelling yargs (wrangler's parser) accepts, and the name used below.
const READ = new Map([
  ["port", "port"],
  ["ip", "ip"],
  ["local-protocol", "localProtocol"],
  ["localProtocol", "localProtocol"],
  ["persist-to", "persistTo"],
  ["persistTo", "persistTo"],
  ["config", "config"],
  ["env", "env"],
  ["env-file", "envFile"],
  ["envFile", "envFile"],
  ["var", "var"],
]);
const LISTS = new Set(["envFile", "var"]);

/** The flags above from wrangler dev's arguments (last one wins; envFile and var are lists). */
function readFlags(argv) {
  const options = Object.fromEntries([...READ.keys()].map((name) => [name, { type: "string" }]));
  options.config.short = "c";
  options.env.short = "e";
  // strict: false, so that every other wrangler flag is accepted (and ignored) here.
  const { tokens } = parseArgs({ args: argv, options, strict: false, allowPositionals: true, tokens: true });
  const flags = { envFile: [], var: [] };
  let list = null; // yargs array flags (greedy) also take the bare words after them: `--var A:1 B:2`
  for (const t of tokens) {
    if (t.kind === "positional" && list) {
      flags[list].push(t.value);
      continue;
    }
    list = null;
    const name = t.kind === "option" ? READ.get(t.name) : undefined;
    if (name === undefined || t.value === undefined) continue; // wrangler itself rejects a flag without value
    if (!LISTS.has(name)) flags[name] = t.value;
    else {
      flags[name].push(t.value);
      list = name;
    }
  }
  return flags;
}

const flags = readFlags(args);
const port = Number(flags.port ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a port number, got "${flags.port}"`);
const protocol = flags.localProtocol === "https" ? "https" : "http";
// Where the server can be reached: a wildcard or the default (localhost) is shown as localhost.
const ip = flags.ip;
const host = !ip || ["localhost", "0.0.0.0", "::", "*"].includes(ip) ? "localhost" : ip.includes(":") ? `[${ip}]` : ip;
const baseUrl = `${protocol}://${host}:${port}`;

// Flags that choose the config or the local state must reach the d1 commands too.
const d1Flags = [];
if (flags.persistTo !== undefined) d1Flags.push("--persist-to", flags.persistTo);
if (flags.config !== undefined) d1Flags.push("--config", flags.config);
if (flags.env !== undefined) d1Flags.push("--env", flags.env);

// ---------------------------------------------------------------------------------------------
// The vars file. wrangler 4 (getVarsForDev) reads the --env-file files *instead of* .dev.vars, each
// resolved against the config file's directory, later files winning; without --env-file it reads
// .dev.vars.<env> when --env names one that exists, else .dev.vars, next to the config file.
const configDir = flags.config !== undefined ? dirname(resolve(flags.config)) : ROOT;
const envFiles = flags.envFile.map((p) => resolve(configDir, p));
let varsFile;
if (envFiles.length > 0) varsFile = envFiles.at(-1);
else {
  const devVars = join(configDir, ".dev.vars");
  varsFile = flags.env !== undefined && existsSync(`${devVars}.${flags.env}`) ? `${devVars}.${flags.env}` : devVars;
}
const rel = relative(ROOT, varsFile);
const varsName = rel.startsWith("..") || isAbsolute(rel) ? varsFile : rel;
if (envFiles.length > 0 && /^(false|0)$/i.test(process.env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV ?? "")) {
  console.warn("[dev] CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV is off: wrangler will not load --env-file files");
}

/** What wrangler will load from the vars file(s), merged in its order. */
const readVars = () =>
  Object.assign({}, ...(envFiles.length > 0 ? envFiles : [varsFile]).filter(existsSync).map(readEnvFile));

// The dev-mailbox defaults live only in the vars file, so whatever the user writes there wins.
const defaults = { ENVIRONMENT: "development", MAIL_PROVIDER: "dev", PUBLIC_BASE_URL: baseUrl };
let fileVars;
try {
  const secrets = freshSecrets();
  if (!existsSync(varsFile)) {
    const header = [
      "Local secrets and vars for `wrangler dev` (written by `npm run dev`; never commit this file).",
      "Delete it to get fresh secrets. Values here override wrangler.toml [vars]; `--var` flags override these.",
      "Real email instead of the dev mailbox: set MAIL_PROVIDER, MAIL_API_KEY (and MAIL_API_BASE_URL) here.",
    ];
    writeEnvFile(varsFile, { ...secrets, MAIL_API_KEY: "", ...defaults }, { header, exclusive: true });
    console.log(`[dev] created ${varsName} with fresh secrets (ADMIN_API_KEY, SECRET_KEY, SIGNING_KEY)`);
  } else {
    // An older file may lack a secret the Worker now requires, or a default: add only what is missing.
    const have = readVars();
    const missing = Object.fromEntries(Object.entries({ ...secrets, ...defaults }).filter(([k]) => !have[k]?.trim()));
    if (Object.keys(missing).length > 0) {
      appendEnvFile(varsFile, missing);
      console.log(`[dev] added missing ${Object.keys(missing).join(", ")} to ${varsName}`);
    } else {
      console.log(`[dev] using existing ${varsName}`);
    }
  }
  fileVars = readVars();
} catch (e) {
  fail(e.message.includes(varsFile) ? e.message : `${varsName}: ${e.message}`);
}

// `--var KEY:VALUE` beats the vars file in wrangler; the banner must show what the Worker gets.
const cliVars = Object.fromEntries(
  flags.var.map((kv) => (kv.includes(":") ? [kv.slice(0, kv.indexOf(":")), kv.slice(kv.indexOf(":") + 1)] : [kv, ""])),
);
const vars = { ...fileVars, ...cliVars };
const sourceOf = (key) => (key in cliVars ? "--var" : varsName);

// ---------------------------------------------------------------------------------------------
// Child processes, with SIGINT/SIGTERM forwarded to whichever one is running.
let current = null;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    if (current && current.exitCode === null && current.signalCode === null) current.kill(sig);
    else process.exit(130);
  });
}
const track = (child) => (current = child);

async function step(label, run, shown) {
  console.log(`\n[dev] ${label}: wrangler ${shown.join(" ")}`);
  try {
    await run({ output: "inherit", onSpawn: track });
  } catch (e) {
    fail(`${label} failed: ${e.message}`);
  }
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

await step("applying local D1 migrations", (opts) => applyMigrations({ flags: d1Flags, ...opts }), [
  "d1",
  "migrations",
  "apply",
  "DB",
  "--local",
  ...d1Flags,
]);

// Idempotent: appends the local URL to the default client's redirect_uris once.
const redirectUri = `${baseUrl}/`;
const uris =
  "CASE WHEN json_valid(redirect_uris) AND json_type(redirect_uris) = 'array' THEN redirect_uris ELSE '[]' END";
const clientUris = uris.replaceAll("redirect_uris", "clients.redirect_uris");
const uri = sqlString(redirectUri);
const seed =
  `UPDATE clients SET redirect_uris = json_insert(${uris}, '$[#]', ${uri}) ` +
  `WHERE id = 'default' AND NOT EXISTS (SELECT 1 FROM json_each(${clientUris}) WHERE value = ${uri})`;
await step(
  `seeding demo data (redirect URI ${redirectUri} for client "default")`,
  (opts) => executeSql({ command: seed, flags: d1Flags, ...opts }),
  ["d1", "execute", "DB", "--local", "--yes", ...d1Flags, "--command", "<UPDATE clients ...>"],
);

// ---------------------------------------------------------------------------------------------
// wrangler dev, in this process group (not detached): it keeps the terminal and gets Ctrl+C itself.
const redact = (arg) => arg.replace(/^((?:--var=)?\w*(?:KEY|SECRET|TOKEN|PASSWORD)\w*:).+$/i, "$1***");
console.log(`\n[dev] starting: wrangler dev ${args.map(redact).join(" ")}`.trimEnd());
const server = spawnDev(args, { stdio: "inherit", detached: false });
track(server.child);

/** A URL without user:password, which may carry a credential. */
function withoutCredentials(url) {
  try {
    const u = new URL(url);
    u.username = "";
    u.password = "";
    return u.href.replace(/\/$/, "");
  } catch {
    return url;
  }
}

/** Whether a URL's protocol and port are the ones this server listens on (the host may differ: tunnels). */
function matchesServer(url) {
  try {
    const u = new URL(url);
    return u.protocol === `${protocol}:` && Number(u.port || (u.protocol === "https:" ? 443 : 80)) === port;
  } catch {
    return false;
  }
}

function mailRow() {
  const provider = vars.MAIL_PROVIDER;
  if (provider === "dev") return ["Dev mailbox", `${baseUrl}/dev/mailbox   (JSON: /dev/mailbox.json)`];
  if (provider === "cloudflare") return ["Mail", "cloudflare (the send_email binding EMAIL)"];
  const url = vars.MAIL_API_BASE_URL?.trim();
  const api = url ? withoutCredentials(url) : "its default API URL";
  return ["Mail", `${provider || "resend"} via ${api}   (real email: MAIL_API_KEY from ${sourceOf("MAIL_API_KEY")})`];
}

function banner() {
  const line = "─".repeat(64);
  const rows = [
    ["API", `${baseUrl}    (health: ${baseUrl}/healthz)`],
    mailRow(),
    ["Admin API key", vars.ADMIN_API_KEY || `(not set: see ${varsName})`],
    ["Redirect URI", `${redirectUri}  (allowed for the "default" client)`],
    ["Vars", `${varsName}  (overrides wrangler.toml; --var overrides it)`],
  ];
  const notes = [];
  if (!matchesServer(vars.PUBLIC_BASE_URL)) {
    const from = sourceOf("PUBLIC_BASE_URL");
    notes.push(`Note: PUBLIC_BASE_URL (${from}) is ${vars.PUBLIC_BASE_URL}, not ${baseUrl}: links use it.`);
  }
  if (!["dev", "cloudflare"].includes(vars.MAIL_PROVIDER) && !vars.MAIL_API_KEY) {
    notes.push(`Note: MAIL_PROVIDER=${vars.MAIL_PROVIDER} needs MAIL_API_KEY, which ${varsName} leaves empty.`);
  }
  if (vars.MAIL_PROVIDER === "dev" && vars.ENVIRONMENT !== "development") {
    notes.push(`Note: ENVIRONMENT is "${vars.ENVIRONMENT}": MAIL_PROVIDER=dev is refused outside development.`);
  }
  console.log(`
${line}
 resetkit is running (local)
${rows.map(([k, v]) => `   ${k.padEnd(15)}${v}`).join("\n")}
${notes.map((n) => ` ${n}\n`).join("")} Walkthrough: README.md, "Local development". Stop with Ctrl+C.
${line}`);
}

// Print the banner once the server answers (so it is not buried under wrangler's start-up output);
// any answer counts, a configuration error included. https has a self-signed certificate: no probe.
let exited = false;
server.exited.then(() => (exited = true));
(async () => {
  if (protocol === "http") {
    try {
      await waitForHealthy(baseUrl, { exited: server.exited, anyStatus: true });
    } catch {
      // exited (nothing to announce) or slow (announce anyway)
    }
  }
  if (!exited) banner();
})();

const { code, signal, error } = await server.exited;
if (error) fail(`could not start wrangler: ${error.message}`);
if (signal) {
  const signo = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal] ?? 1;
  process.exit(128 + signo);
}
process.exit(code ?? 0);
