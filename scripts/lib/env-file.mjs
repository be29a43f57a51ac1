// Dotenv files for `wrangler dev` (.dev.vars or --env-file): reading them as wrangler does, writing
// values that read back intact, and fresh random secrets. Only Node 20 APIs at import time: dev.mjs
// may run on an older system node (it starts wrangler itself with node_modules' Node 22).
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { appendFileSync, readFileSync, writeFileSync } from "node:fs";
// A namespace import: a named import of parseEnv would fail to link on Node < 20.12, before any
// check could print a useful message.
import * as util from "node:util";

/** Parses dotenv text with Node's util.parseEnv, which reads files the way wrangler's dotenv 16 does. */
export function parseEnvText(text, name = "env file") {
  if (typeof util.parseEnv !== "function") {
    throw new Error(
      `reading ${name} needs util.parseEnv (Node >= 20.12; this is ${process.version}): ` +
        "use `npm run dev`, which runs the Node 22 from node_modules.",
    );
  }
  return util.parseEnv(text);
}

/** The variables in a dotenv file (later lines win, as in wrangler). */
export function readEnvFile(path) {
  return parseEnvText(readFileSync(path, "utf8"), path);
}

/**
 * KEY="value", or KEY='value' when the value has double quotes or backslashes (JSON): dotenv takes
 * single-quoted values literally and has no escapes, so the value must not need any.
 */
export function dotenvLine(key, value) {
  if (!/^[\w.-]+$/.test(key)) throw new Error(`${key}: not a dotenv key`);
  if (/[\r\n]/.test(value)) throw new Error(`${key}: multi-line values are not supported`);
  if (!/["\\]/.test(value)) return `${key}="${value}"`;
  if (!value.includes("'")) return `${key}='${value}'`;
  if (!value.includes("`")) return `${key}=\`${value}\``;
  throw new Error(`${key}: value cannot be quoted for dotenv`);
}

// A file that wrangler would read differently from what was meant is worse than no file.
function checkReadsBack(path, values) {
  const read = readEnvFile(path);
  for (const [k, v] of Object.entries(values)) {
    if (read[k] !== v) throw new Error(`${path}: ${k} does not read back intact; please report this.`);
  }
}

/**
 * Writes a new dotenv file (mode 0600; `exclusive` refuses to replace an existing one), with
 * optional `# ` comment lines on top, and checks that every value reads back unchanged.
 */
export function writeEnvFile(path, values, { header = [], exclusive = false } = {}) {
  const lines = [...header.map((h) => `# ${h}`), ...Object.entries(values).map(([k, v]) => dotenvLine(k, v))];
  writeFileSync(path, `${lines.join("\n")}\n`, { mode: 0o600, flag: exclusive ? "wx" : "w" });
  checkReadsBack(path, values);
}

/** Appends lines to an existing dotenv file (after a newline if it lacks one) and checks them. */
export function appendEnvFile(path, values) {
  const existing = readFileSync(path, "utf8");
  const lines = Object.entries(values).map(([k, v]) => dotenvLine(k, v));
  appendFileSync(path, `${existing === "" || existing.endsWith("\n") ? "" : "\n"}${lines.join("\n")}\n`);
  checkReadsBack(path, values);
}

/** Fresh random values for the secrets the Worker requires: ADMIN_API_KEY, SECRET_KEY, SIGNING_KEY (P-256 JWK). */
export function freshSecrets() {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return {
    ADMIN_API_KEY: `rk_admin_${randomBytes(32).toString("base64url")}`,
    SECRET_KEY: randomBytes(48).toString("base64url"),
    SIGNING_KEY: JSON.stringify(privateKey.export({ format: "jwk" })),
  };
}
