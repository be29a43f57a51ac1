// `npm run conformance -- --base-url <url> --admin-key <key> [--client-id <id>] [--json] [--mail-port <port>]`
// Black-box checks of resetkit's security claims against a running deployment, over its canonical
// HTTP API only. Prints one row per check (requirement ids, what was checked, pass/fail, evidence)
// as a Markdown table, or the same as JSON with --json; exits 1 when any check fails, 2 when the
// run could not start. It creates users (deleted at the end) and sends reset emails to them.
import { parseArgs } from "node:util";
import { CHECKS, steps } from "./checks.mjs";
import { createTarget, devMailbox, fakeResend } from "./target.mjs";

const USAGE = `usage: npm run conformance -- --base-url <url> --admin-key <key> [options]

  --base-url <url>        the deployment (e.g. http://localhost:8787 or https://reset.example.com)
  --admin-key <key>       its ADMIN_API_KEY (creates and deletes the kit's users)
  --client-id <id>        the client whose links and policy are checked (default: default)
  --mail-port <port>      run a fake resend API on this port and read mail from it (for a target
                          with MAIL_PROVIDER=resend, MAIL_API_BASE_URL=http://<this host>:<port>);
                          without it, mail is read from the target's /dev/mailbox.json
  --reset-per-email <n>   the target's resetPerEmail limit (default 5, the built-in default)
  --only <id,id>          run only these checks
  --spread-ips / --no-spread-ips
                          one CF-Connecting-IP per check (default: on for a loopback target only;
                          only wrangler dev takes that header from the caller)
  --json                  print the report as JSON instead of a table`;

function fail(message) {
  console.error(`conformance: ${message}\n\n${USAGE}`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      "base-url": { type: "string" },
      "admin-key": { type: "string" },
      "client-id": { type: "string", default: "default" },
      "mail-port": { type: "string" },
      "reset-per-email": { type: "string", default: "5" },
      only: { type: "string" },
      "spread-ips": { type: "boolean" },
      "no-spread-ips": { type: "boolean" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  }).values;
} catch (e) {
  fail(e.message);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
if (!args["base-url"]) fail("--base-url is required");
if (!args["admin-key"]) fail("--admin-key is required");
const resetPerEmail = Number(args["reset-per-email"]);
if (!Number.isInteger(resetPerEmail) || resetPerEmail < 1 || resetPerEmail >= 20) fail("--reset-per-email: 1..19");
const only = args.only ? new Set(args.only.split(",")) : null;
const unknown = only ? [...only].filter((id) => !CHECKS.some((c) => c.id === id)) : [];
if (unknown.length) fail(`unknown check(s): ${unknown.join(", ")}`);

const log = (line) => process.stderr.write(`${line}\n`);
const t = createTarget({
  baseUrl: args["base-url"],
  adminKey: args["admin-key"],
  clientId: args["client-id"],
  spreadIps: args["no-spread-ips"] ? false : args["spread-ips"] ? true : undefined,
});

// Preflight: reachable, the key works, mail can be read.
const health = await t.call("GET", "/healthz").catch((e) => fail(`${t.base.origin} unreachable: ${e.message}`));
if (health.status !== 200) fail(`GET /healthz answered ${health.status}`);
const client = await t.call("GET", `/v1/clients/${encodeURIComponent(t.clientId)}`, { admin: true });
if (client.status !== 200) fail(`GET /v1/clients/${t.clientId} with the admin key answered ${client.status}`);
let mail;
if (args["mail-port"]) {
  mail = await fakeResend(Number(args["mail-port"])).catch((e) => fail(`--mail-port: ${e.message}`));
} else {
  mail = devMailbox(t);
  const probe = await t.call("GET", "/dev/mailbox.json");
  if (probe.status !== 200) fail("the target has no /dev/mailbox.json (not ENVIRONMENT=development): use --mail-port");
}

log(`conformance: ${t.base.origin}, client "${t.clientId}", mail from the ${mail.kind}`);
log(`  client addresses: ${t.spread ? "one CF-Connecting-IP per check" : "this machine's (shared by every check)"}`);

const created = [];
const s = steps(t, mail, created);
const rows = [];
for (const check of CHECKS) {
  if (only && !only.has(check.id)) continue;
  const started = Date.now();
  let outcome;
  try {
    outcome = await check.run(t, s, { resetPerEmail, adminKey: args["admin-key"] });
  } catch (e) {
    outcome = { pass: false, evidence: `error: ${e.message}` };
  }
  const row = { id: check.id, requirements: check.refs, checked: check.what, ...outcome, ms: Date.now() - started };
  rows.push(row);
  log(`  ${row.pass ? "pass" : "FAIL"}  ${check.id} (${row.ms} ms): ${row.evidence}`);
}

// The kit's users go away again (their audit trail stays, as for any deleted user).
for (const id of created) await t.call("DELETE", `/v1/users/${id}`, { admin: true }).catch(() => {});
await mail.close();

const failed = rows.filter((r) => !r.pass);
const ids = (prefix) =>
  [...new Set(rows.flatMap((r) => r.requirements).filter((x) => x.startsWith(prefix)))].sort((a, b) =>
    a.localeCompare(b, "en", { numeric: true }),
  );
const report = {
  target: t.base.origin,
  clientId: t.clientId,
  mail: mail.kind,
  passed: rows.length - failed.length,
  failed: failed.length,
  checks: rows,
  requirements: { asvs: ids("ASVS "), nist: ids("800-63B-4 "), fpcs: ids("FPCS "), wstg: ids("WSTG-") },
  requests: Object.fromEntries([...t.counts].sort()),
};

if (args.json) {
  console.log(JSON.stringify(report, null, 2));
} else {
  const cell = (x) => String(x).replaceAll("|", "\\|");
  console.log("| requirement | checked | result | evidence |");
  console.log("| --- | --- | --- | --- |");
  for (const r of rows) {
    console.log(
      `| ${r.requirements.join(", ")} | ${cell(r.checked)} | ${r.pass ? "pass" : "**FAIL**"} | ${cell(r.evidence)} |`,
    );
  }
  console.log(
    `\n${report.passed} passed, ${report.failed} failed. ` +
      `ASVS 5.0: ${report.requirements.asvs.length} requirements (${report.requirements.asvs.map((x) => x.slice(5)).join(", ")}); ` +
      `NIST SP 800-63B-4: ${report.requirements.nist.map((x) => x.slice(10)).join(", ")}.`,
  );
  // What a deployment's per-IP limits must allow when every check shares one address.
  const n = (path) => report.requests[`POST ${path}`] ?? 0;
  console.log(
    `Requests: ${n("/v1/password-resets")} resets, ${n("/v1/password-resets/verify")} verifies, ` +
      `${n("/v1/password-resets/complete")} completions, ${n("/v1/sessions")} sign-ins` +
      `${t.spread ? " (one client address per check)" : " (all from this machine's address)"}.`,
  );
}
process.exit(failed.length ? 1 : 0);
