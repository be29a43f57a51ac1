// `npm run docs:vendor`: (re)vendors Redoc's standalone bundle into public/docs/vendor/redoc-<version>/
// from the npm registry (`npm pack`, which checks the tarball against the registry's integrity),
// with its licence (MIT) and the licence notices of what it bundles, next to it. Served by Workers
// Static Assets for /docs: no CDN at run time, and not one byte in the Worker bundle.
// The file hashes are pinned in VENDORED (also read by test/node/openapi.test.ts): a changed file
// fails the test until this script rewrites them on purpose.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** What is vendored: the package version, where, and each file's SHA-256. */
export const VENDORED = {
  package: "redoc",
  version: "2.5.4",
  dir: "public/docs/vendor/redoc-2.5.4",
  files: {
    "redoc.standalone.js": "dcaf76612bc4a3fbcc923a8966dee2f6146a5f32e5ce1b6f02dd60cbbf89500b",
    "redoc.standalone.js.LICENSE.txt": "eed602ec32e00b2b9df1984fbcc26a687b1b3193ec01961389c4b8439e6edf73",
    LICENSE: "d3026d549cf68ab7355bcfa85877bf8f845b3334a7efbfdc63936432fb34ff0e",
  },
};

/** Where each vendored file comes from inside the package tarball. */
const SOURCES: Record<keyof typeof VENDORED.files, string> = {
  "redoc.standalone.js": "package/bundles/redoc.standalone.js",
  "redoc.standalone.js.LICENSE.txt": "package/bundles/redoc.standalone.js.LICENSE.txt",
  LICENSE: "package/LICENSE",
};

export const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), "resetkit-redoc-"));
  try {
    const spec = `${VENDORED.package}@${VENDORED.version}`;
    const tgz = execFileSync("npm", ["pack", spec, "--pack-destination", tmp, "--silent"], { encoding: "utf8" }).trim();
    execFileSync("tar", ["-xzf", join(tmp, tgz), "-C", tmp]);
    const out = join(root, VENDORED.dir);
    mkdirSync(out, { recursive: true });
    for (const [name, from] of Object.entries(SOURCES) as [keyof typeof VENDORED.files, string][]) {
      copyFileSync(join(tmp, from), join(out, name));
      const hash = sha256(join(out, name));
      const pinned = VENDORED.files[name];
      console.log(`${VENDORED.dir}/${name}  ${hash}${hash === pinned ? "" : `  (pinned: ${pinned}; update VENDORED)`}`);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
