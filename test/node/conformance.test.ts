import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

// The conformance kit (scripts/conformance) must stay black-box: it may run against any deployment,
// so it knows resetkit only through HTTP, never through its source.

const dir = new URL("../../scripts/conformance/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".mjs"));
const source = (f: string) => readFileSync(new URL(f, dir), "utf8");

/** The module specifiers a file imports (static and dynamic). */
const importsOf = (text: string) =>
  [...text.matchAll(/\bfrom\s+"([^"]+)"|\bimport\(\s*"([^"]+)"\s*\)/g)].map((m) => m[1] ?? m[2] ?? "");

describe("conformance kit", () => {
  it("imports nothing of src/ (only node:, its own files and the local-worker launcher)", () => {
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      for (const spec of importsOf(source(f))) {
        expect(/^node:|^\.\/[\w-]+\.mjs$|^\.\.\/lib\/[\w-]+\.mjs$/.test(spec), `${f} imports ${spec}`).toBe(true);
      }
    }
    // The rule above sees what it is for.
    expect(importsOf('import { x } from "../../src/app";').some((s) => s.includes("src/"))).toBe(true);
  });

  it("maps its checks to at least 10 ASVS 5.0 requirements and to NIST SP 800-63B-4", () => {
    const checks = source("checks.mjs");
    const asvs = new Set([...checks.matchAll(/"ASVS (\d+\.\d+\.\d+)"/g)].map((m) => m[1]));
    const nist = new Set([...checks.matchAll(/"800-63B-4 (§[\d.]+)"/g)].map((m) => m[1]));
    expect(asvs.size).toBeGreaterThanOrEqual(10);
    expect(nist.size).toBeGreaterThanOrEqual(3);
  });
});
