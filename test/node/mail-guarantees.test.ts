import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createMailer, MAIL_PROVIDERS } from "../../src/mail";

/** The README's "delivery guarantee" cell per provider (the Email providers table). */
function readmeGuarantees(): Record<string, string> {
  const readme = readFileSync("README.md", "utf8");
  const out: Record<string, string> = {};
  for (const line of readme.split("\n")) {
    const m = /^\| `([a-z]+)`\s+\|.*\|\s*([^|]+?)\s*\|$/.exec(line);
    if (m && (MAIL_PROVIDERS as readonly string[]).includes(m[1]!) && /\bonce\b/.test(m[2]!)) out[m[1]!] = m[2]!;
  }
  return out;
}

describe("the delivery guarantee per provider: README and code say the same", () => {
  it("'at most once' exactly where the provider deduplicates on the row id, with the same window", () => {
    const table = readmeGuarantees();
    expect(Object.keys(table).sort()).toEqual([...MAIL_PROVIDERS].sort());
    const binding = { send: async () => ({}) } as unknown as SendEmail;
    for (const provider of MAIL_PROVIDERS) {
      const mailer = createMailer(
        { provider, apiKey: "k", apiBaseUrl: "https://mail.example" },
        {
          options: { postmarkStream: "outbound", mailgunDomain: "example.com", sesRegion: "eu-west-1" },
          db: {} as never,
          now: Date.now,
          binding,
        },
      );
      const cell = table[provider]!;
      const window = mailer.idempotencyWindowMs;
      if (window === 0) expect(cell, provider).toMatch(/^at least once: no idempotency key/);
      else if (window === Number.POSITIVE_INFINITY || window >= 24 * 3_600_000)
        expect(cell, provider).toMatch(/^at most once per row/);
      else expect(cell, provider).toContain(`at most once for ${window / 60_000} min`);
    }
  });
});
