// `npm run dev [-- <wrangler dev args>]`: local development in one command.
//  1. creates .dev.vars with fresh random secrets when it is missing (never overwritten),
//  2. applies the D1 migrations to the local database,
//  3. seeds demo data (the default client accepts http://localhost:<port>/ as redirectUri),
//  4. runs `wrangler dev` with every argument given after `--` (e.g. --port 9000 --test-scheduled),
//     with the dev mailbox switched on, and prints the URLs and the admin API key.
// Secrets other than the admin key are never printed.
import { spawn } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, appendFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
process.chdir(root);

// ---------------------------------------------------------------------------------------------
// Arguments: everything is passed to `wrangler dev`; a few are also read here.
let args = process.argv.slice(2);
if (args[0] === "--") args = args.slice(1); // `node scripts/dev.mjs -- --port 9000`

/** Value of a `--name value` or `--name=value` flag (last one wins, as with yargs), else undefined. */
function flagValue(names) {
  let found;
  for (let i = 0; i < args.length; i++) {
    for (const name of names) {
      if (args[i] === name && i + 1 < args.length) found = args[i + 1];
      else if (args[i].startsWith(`${name}=`)) found = args[i].slice(name.length + 1);
    }
  }
  return found;
}

const port = Number(flagValue(["--port"]) ?? 8787);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`--port must be a port number, got "${flagValue(["--port"])}"`);
const protocol = flagValue(["--local-protocol"]) === "https" ? "https" : "http";
const baseUrl = `${protocol}://localhost:${port}`;

// Flags that choose the config or the local state must reach the d1 commands too.
const sharedFlags = [];
for (const names of [["--persist-to"], ["--config", "-c"], ["--env", "-e"]]) {
  const v = flagValue(names);
  if (v !== undefined) sharedFlags.push(names[0], v);
}

function fail(message) {
  console.error(`\n[dev] ${message}`);
  process.exit(1);
}

// ---------------------------------------------------------------------------------------------
// Node and wrangler: wrangler 4 needs Node >= 22.12. `npm run` puts node_modules/.bin (the `node`
// devDependency, v22) first on PATH; when started with an older node directly, use that one.
function nodeIsRecentEnough(version) {
  const [maj, min] = version.split(".").map(Number);
  return maj > 22 || (maj === 22 && min >= 12);
}
let nodeBin = process.execPath;
if (!nodeIsRecentEnough(process.versions.node)) {
  const local = join(root, "node_modules", "node", "bin", "node");
  if (!existsSync(local)) fail(`wrangler needs Node >= 22.12 (this is ${process.version}); run \`npm install\` first.`);
  nodeBin = local;
}
let wranglerJs;
try {
  const pkgPath = createRequire(import.meta.url).resolve("wrangler/package.json");
  wranglerJs = join(dirname(pkgPath), JSON.parse(readFileSync(pkgPath, "utf8")).bin.wrangler);
} catch {
  fail("wrangler is not installed; run `npm install` first.");
}

// Never phone home from local dev (no metrics, error reports or skills prompts).
const childEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  WRANGLER_NO_SKILLS_UPDATE_PROMPTS: "true",
  DO_NOT_TRACK: "1",
};

// ---------------------------------------------------------------------------------------------
// .dev.vars (dotenv syntax, read by wrangler with dotenv 16).
const DEV_VARS = join(root, ".dev.vars");
// The line pattern of dotenv 16's parser, used to read the file back and check what wrangler will see.
const DOTENV_LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

function parseDotenv(src) {
  const out = {};
  const lines = src.replace(/\r\n?/g, "\n");
  for (const m of lines.matchAll(DOTENV_LINE)) {
    let value = (m[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    out[m[1]] = value;
  }
  return out;
}

/** KEY="value", or KEY='value' when the value has double quotes or backslashes (JSON): dotenv
 * takes single-quoted values literally and has no escapes, so the value must not need any. */
function dotenvLine(key, value) {
  if (/[\r\n]/.test(value)) throw new Error(`${key}: multi-line values are not supported`);
  if (!/["\\]/.test(value)) return `${key}="${value}"`;
  if (!value.includes("'")) return `${key}='${value}'`;
  if (!value.includes("`")) return `${key}=\`${value}\``;
  throw new Error(`${key}: value cannot be quoted for dotenv`);
}

const freshSecrets = () => ({
  ADMIN_API_KEY: `rk_admin_${randomBytes(32).toString("base64url")}`,
  SECRET_KEY: randomBytes(48).toString("base64url"),
  SIGNING_KEY: JSON.stringify(
    generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ format: "jwk" }),
  ),
});

let devVars;
if (!existsSync(DEV_VARS)) {
  const values = {
    ...freshSecrets(),
    MAIL_API_KEY: "",
    ENVIRONMENT: "development",
    MAIL_PROVIDER: "dev",
    PUBLIC_BASE_URL: baseUrl,
  };
  const text = [
    "# Local secrets and vars for `wrangler dev` (written by `npm run dev`; never commit this file).",
    "# Delete it to get fresh secrets. Values here override wrangler.toml [vars].",
    ...Object.entries(values).map(([k, v]) => dotenvLine(k, v)),
    "",
  ].join("\n");
  writeFileSync(DEV_VARS, text, { mode: 0o600, flag: "wx" });
  devVars = parseDotenv(readFileSync(DEV_VARS, "utf8"));
  for (const [k, v] of Object.entries(values)) {
    if (devVars[k] !== v) fail(`.dev.vars: ${k} does not read back intact; please report this.`);
  }
  console.log("[dev] created .dev.vars with fresh secrets (ADMIN_API_KEY, SECRET_KEY, SIGNING_KEY)");
} else {
  devVars = parseDotenv(readFileSync(DEV_VARS, "utf8"));
  // An older .dev.vars may lack a secret the Worker now requires: add only what is missing.
  const missing = Object.entries(freshSecrets()).filter(([k]) => !devVars[k]);
  if (missing.length > 0) {
    const existing = readFileSync(DEV_VARS, "utf8");
    appendFileSync(
      DEV_VARS,
      `${existing.endsWith("\n") || existing === "" ? "" : "\n"}${missing.map(([k, v]) => dotenvLine(k, v)).join("\n")}\n`,
    );
    devVars = parseDotenv(readFileSync(DEV_VARS, "utf8"));
    console.log(`[dev] added missing ${missing.map(([k]) => k).join(", ")} to .dev.vars`);
  } else {
    console.log("[dev] using existing .dev.vars");
  }
}

// ---------------------------------------------------------------------------------------------
// Child processes, with SIGINT/SIGTERM forwarded to whichever one is running.
let current = null;
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    if (current && current.exitCode === null && current.signalCode === null) current.kill(sig);
    else process.exit(130);
  });
}

function run(wranglerArgs, { stdin = "ignore", env = childEnv } = {}) {
  return new Promise((resolvePromise) => {
    const child = spawn(nodeBin, [wranglerJs, ...wranglerArgs], { stdio: [stdin, "inherit", "inherit"], env });
    current = child;
    child.on("error", (e) => fail(`could not start wrangler: ${e.message}`));
    child.on("exit", (code, signal) => {
      current = null;
      resolvePromise({ code, signal });
    });
  });
}

async function step(label, wranglerArgs, shown = wranglerArgs) {
  console.log(`\n[dev] ${label}: wrangler ${shown.join(" ")}`);
  // No TTY and CI=true: wrangler skips its confirmation prompt (d1 migrations apply has no --yes).
  const { code, signal } = await run(wranglerArgs, { env: { ...childEnv, CI: "true" } });
  if (code !== 0) fail(`${label} failed (${signal ?? `exit code ${code}`})`);
}

const sqlString = (s) => `'${s.replaceAll("'", "''")}'`;

await step("applying local D1 migrations", ["d1", "migrations", "apply", "DB", "--local", ...sharedFlags]);

// Idempotent: appends the local URL to the default client's redirect_uris once.
const redirectUri = `${baseUrl}/`;
const uris = "CASE WHEN json_valid(redirect_uris) AND json_type(redirect_uris) = 'array' THEN redirect_uris ELSE '[]' END";
const seed =
  `UPDATE clients SET redirect_uris = json_insert(${uris}, '$[#]', ${sqlString(redirectUri)}) ` +
  `WHERE id = 'default' AND NOT EXISTS (SELECT 1 FROM json_each(${uris.replaceAll("redirect_uris", "clients.redirect_uris")}) WHERE value = ${sqlString(redirectUri)})`;
const seedArgs = ["d1", "execute", "DB", "--local", "--yes", ...sharedFlags, "--command"];
await step(`seeding demo data (redirect URI ${redirectUri} for client "default")`, [...seedArgs, seed], [...seedArgs, "<UPDATE clients ...>"]);

// ---------------------------------------------------------------------------------------------
// wrangler dev. --var beats .dev.vars and wrangler.toml, so the dev mailbox is on even with an
// older .dev.vars; the caller's own --var flags come later and win over these.
const devArgs = [
  "dev",
  "--var", "ENVIRONMENT:development",
  "--var", "MAIL_PROVIDER:dev",
  "--var", `PUBLIC_BASE_URL:${baseUrl}`,
  ...args,
];
console.log(`\n[dev] starting: wrangler dev ${args.join(" ")}`.trimEnd());
const server = run(devArgs, { stdin: "inherit" });

function banner() {
  const line = "─".repeat(64);
  console.log(`
${line}
 resetkit is running (local)
   API            ${baseUrl}    (health: ${baseUrl}/healthz)
   Dev mailbox    ${baseUrl}/dev/mailbox   (JSON: /dev/mailbox.json)
   Admin API key  ${devVars.ADMIN_API_KEY ?? "(not set: see .dev.vars)"}
   Redirect URI   ${redirectUri}  (allowed for the "default" client)
 Walkthrough: README.md, "Local development". Stop with Ctrl+C.
${line}`);
}

// Print the banner once the server answers (so it is not buried under wrangler's start-up output).
const ip = flagValue(["--ip"]);
const probeable = protocol === "http" && (!ip || ["localhost", "127.0.0.1", "0.0.0.0", "::", "::1", "*"].includes(ip));
let exited = false;
server.then(() => (exited = true));
(async () => {
  if (probeable) {
    const deadline = Date.now() + 90_000;
    while (!exited && Date.now() < deadline) {
      try {
        await fetch(`http://localhost:${port}/healthz`, { signal: AbortSignal.timeout(2000) });
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }
  if (!exited) banner();
})();

const { code, signal } = await server;
if (signal) {
  const signo = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15, SIGKILL: 9 }[signal] ?? 1;
  process.exit(128 + signo);
}
process.exit(code ?? 0);
