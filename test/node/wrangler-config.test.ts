import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/** The keys of one `[table]` of wrangler.toml (flat `key = value` lines until the next table). */
function table(toml: string, name: string): Record<string, string> {
  const start = toml.split("\n").findIndex((l) => l.trim() === `[${name}]`);
  if (start < 0) return {};
  const out: Record<string, string> = {};
  for (const line of toml.split("\n").slice(start + 1)) {
    if (/^\s*\[/.test(line)) break;
    const m = /^\s*([A-Za-z_]+)\s*=\s*(.+?)\s*(#.*)?$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

describe("wrangler.toml", () => {
  it("keeps invocation logs off: they record request URLs (?token=) and headers (Authorization)", () => {
    const toml = readFileSync("wrangler.toml", "utf8");
    // Our own log lines (one per request: route pattern, status, ids) stay on.
    expect(table(toml, "observability").enabled).toBe("true");
    expect(table(toml, "observability.logs").invocation_logs).toBe("false");
  });
});
