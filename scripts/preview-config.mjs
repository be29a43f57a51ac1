// Writes wrangler.preview.toml: wrangler.toml with the D1 database, KV namespace and public URL of
// one branch's Preview, both at the top level (so `wrangler d1 migrations apply DB --remote -c ...`
// migrates the preview database) and in the [previews] block (used by `wrangler preview`).
// Used by .github/workflows/ci.yml and exercised locally by .ci/run (with dummy ids).
//   node scripts/preview-config.mjs --name <preview> --d1-name <db> --d1-id <uuid> --kv-id <id> --url <https://...>
import { readFileSync, writeFileSync } from "node:fs";

const argv = process.argv.slice(2);
const args = Object.fromEntries(argv.flatMap((a, i) => (a.startsWith("--") ? [[a.slice(2), argv[i + 1]]] : [])));
for (const k of ["name", "d1-name", "d1-id", "kv-id", "url"]) {
  if (!args[k]) {
    console.error(`preview-config: missing --${k}`);
    process.exit(2);
  }
}
if (!/^[a-z0-9][a-z0-9-]{0,40}$/.test(args.name)) {
  console.error("preview-config: --name must be a lower-case slug (a-z, 0-9, -)");
  process.exit(2);
}
const quote = (s) => JSON.stringify(String(s));
let toml = readFileSync("wrangler.toml", "utf8");
const swap = (re, value, what) => {
  if (!re.test(toml)) throw new Error(`wrangler.toml has no ${what}`);
  toml = toml.replace(re, value);
};
swap(/^database_name = .*$/m, `database_name = ${quote(args["d1-name"])}`, "database_name");
swap(/^database_id = .*$/m, `database_id = ${quote(args["d1-id"])}`, "database_id");
swap(/^id = .*$/m, `id = ${quote(args["kv-id"])}`, "KV namespace id");
swap(/^ENVIRONMENT = .*$/m, `ENVIRONMENT = "preview"`, "ENVIRONMENT");
swap(/^PUBLIC_BASE_URL = .*$/m, `PUBLIC_BASE_URL = ${quote(args.url)}`, "PUBLIC_BASE_URL");
// Drop the committed [previews] block (if any) and write this branch's.
toml = toml.replace(/\n# --- previews ---[\s\S]*$/, "\n");
const vars = /^\[vars\]\n([\s\S]*?)\n\n/m.exec(toml)[1];
toml += `
# --- previews --- (generated for Preview ${quote(args.name)})
[previews.vars]
${vars}

[[previews.d1_databases]]
binding = "DB"
database_name = ${quote(args["d1-name"])}
database_id = ${quote(args["d1-id"])}
migrations_dir = "migrations"

[[previews.kv_namespaces]]
binding = "RATE_LIMIT_KV"
id = ${quote(args["kv-id"])}
`;
writeFileSync("wrangler.preview.toml", toml);
console.log(`wrote wrangler.preview.toml for Preview ${args.name} (${args.url})`);
