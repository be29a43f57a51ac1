// Part of `npm run check:workflow`: the Cloudflare API token reaches only the jobs that deploy.
// A workflow-level `env` hands a secret to every job and every step (the test job runs
// `npm ci` — third-party install scripts — and the whole test suite); a job gets
// CLOUDFLARE_API_TOKEN only when one of its steps runs a wrangler command that talks to
// Cloudflare. test/node/workflow.test.ts runs the same check. Exits 1 on any problem.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const SECRET = /\bsecrets\.CLOUDFLARE_API_TOKEN\b/;
/** wrangler commands that need the token: deploy (not --dry-run), preview, d1 against the remote database. */
const REMOTE_WRANGLER =
  /wrangler\s+(deploy(?![^\n]*--dry-run)|preview\b|d1\s+(create|list|delete|migrations\s+apply[^\n]*--remote))/;

/** Top-level blocks and jobs of a workflow, by indentation (no YAML parser needed for this shape). */
function sections(text: string): { topEnv: string; jobs: Map<string, string> } {
  const lines = text.split("\n");
  let topEnv = "";
  const jobs = new Map<string, string>();
  let top = "";
  let job = "";
  for (const line of lines) {
    if (/^\S/.test(line) && !line.startsWith("#")) {
      top = line.replace(/:.*$/, "");
      job = "";
      continue;
    }
    if (top === "env") topEnv += `${line}\n`;
    if (top === "jobs") {
      const m = /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line);
      if (m) {
        job = m[1]!;
        jobs.set(job, "");
      } else if (job) jobs.set(job, `${jobs.get(job)}${line}\n`);
    }
  }
  return { topEnv, jobs };
}

/** Problems of one workflow file's text: the token in the workflow-level env, or in a job that does not deploy. */
export function workflowSecretProblems(text: string, file = "workflow"): string[] {
  const problems: string[] = [];
  const { topEnv, jobs } = sections(text);
  if (SECRET.test(topEnv)) problems.push(`${file}: CLOUDFLARE_API_TOKEN in the workflow-level env reaches every job`);
  for (const [name, body] of jobs) {
    // Comment lines do not run; only what a step executes counts as deploying.
    const code = body
      .split("\n")
      .filter((l) => !/^\s*#/.test(l))
      .join("\n");
    if (SECRET.test(code) && !REMOTE_WRANGLER.test(code))
      problems.push(`${file}: job "${name}" gets CLOUDFLARE_API_TOKEN but runs no wrangler command that needs it`);
  }
  return problems;
}

/** Every workflow of the repository. */
export function checkWorkflows(root = resolve(dirname(fileURLToPath(import.meta.url)), "..")): string[] {
  const dir = join(root, ".github/workflows");
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .flatMap((f) => workflowSecretProblems(readFileSync(join(dir, f), "utf8"), `.github/workflows/${f}`));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const problems = checkWorkflows();
  for (const p of problems) console.error(p);
  if (problems.length) process.exit(1);
  console.log("CLOUDFLARE_API_TOKEN: only in jobs that deploy");
}
