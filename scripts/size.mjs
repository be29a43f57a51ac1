// `npm run size`: the Worker bundle as Cloudflare gets it (wrangler deploy --dry-run, minified per
// wrangler.toml), gzip-compressed. Fails above the 100 KiB budget of DESIGN §9 and prints the
// largest contributors (from esbuild's metafile) so a regression points at its cause.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";

const BUDGET_KIB = Number(process.env.SIZE_BUDGET_KIB ?? 100);
const out = mkdtempSync(join(tmpdir(), "resetkit-size-"));
const meta = join(out, "meta.json");
execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--minify", "--outdir", out, "--metafile", meta], {
  stdio: ["ignore", "ignore", "inherit"],
  env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
});
const bundle = readdirSync(out).find((f) => f.endsWith(".js"));
const code = readFileSync(join(out, bundle));
const gzipKiB = gzipSync(code, { level: 9 }).length / 1024;
const rawKiB = code.length / 1024;

const { outputs } = JSON.parse(readFileSync(meta, "utf8"));
const main = Object.values(outputs).find((o) => o.inputs && Object.keys(o.inputs).length > 1);
const groups = {};
for (const [file, { bytesInOutput }] of Object.entries(main.inputs)) {
  const key = file.includes("node_modules/")
    ? file.replace(/^.*node_modules\/((@[^/]+\/)?[^/]+).*$/, "$1")
    : file.replace(/^(src\/[^/]+(\/[^/]+)?).*$/, "$1");
  groups[key] = (groups[key] ?? 0) + bytesInOutput;
}
const top = Object.entries(groups)
  .sort((a, b) => b[1] - a[1])
  .slice(0, 12);
console.log("Largest contributors (minified, before gzip):");
for (const [name, bytes] of top) console.log(`  ${(bytes / 1024).toFixed(1).padStart(7)} KiB  ${name}`);
console.log(
  `\nWorker bundle: ${rawKiB.toFixed(1)} KiB minified, ${gzipKiB.toFixed(1)} KiB gzip (budget ${BUDGET_KIB} KiB gzip)`,
);
if (gzipKiB > BUDGET_KIB) {
  console.error(`error: the bundle is ${(gzipKiB - BUDGET_KIB).toFixed(1)} KiB over budget`);
  process.exit(1);
}
