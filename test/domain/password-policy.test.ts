import { describe, expect, it } from "vitest";
import { checkPasswordPolicy, DEFAULT_POLICY, effectivePolicy } from "../../src/domain/password-policy";

const codes = (pw: string, ctx: Partial<Parameters<typeof checkPasswordPolicy>[1]> = {}) =>
  checkPasswordPolicy(pw, { policy: DEFAULT_POLICY, common: false, ...ctx }).map((e) => e.code);

describe("policy rules (pure)", () => {
  it("NIST defaults: length 8..256 in code points after NFKC, no composition rules", () => {
    expect(codes("abcdefg")).toEqual(["PASSWORD_TOO_SHORT"]);
    expect(codes("abcdefgh")).toEqual([]);
    expect(codes("ｘ".repeat(8))).toEqual([]); // full-width -> ASCII, 8 code points
    expect(codes("😀".repeat(8))).toEqual([]); // 8 code points, 16 UTF-16 units
    expect(codes("a".repeat(257))).toEqual(["PASSWORD_TOO_LONG"]);
  });

  it("bounds what a client may configure (min 8..64, max up to 256)", () => {
    expect(effectivePolicy({ minLength: 4 }).minLength).toBe(8);
    expect(effectivePolicy({ minLength: 100 }).minLength).toBe(64);
    expect(effectivePolicy({ maxLength: 5000 }).maxLength).toBe(256);
    expect(effectivePolicy({ historySize: 99 }).historySize).toBe(10);
    expect(effectivePolicy({}).historySize).toBe(1);
  });

  it("each composition rule has its own code", () => {
    const policy = effectivePolicy({
      requireUpper: true,
      requireLower: true,
      requireDigit: true,
      requireSymbol: true,
      minDistinctChars: 6,
    });
    expect(codes("aaaaaaaa", { policy })).toEqual([
      "PASSWORD_MISSING_UPPERCASE",
      "PASSWORD_MISSING_DIGIT",
      "PASSWORD_MISSING_SYMBOL",
      "PASSWORD_TOO_FEW_DISTINCT",
    ]);
    expect(codes("AAAAAAAA", { policy })).toContain("PASSWORD_MISSING_LOWERCASE");
    expect(codes("Ab3$efgh", { policy })).toEqual([]);
  });

  it("context words: email local part, user name, product name and the client's words", () => {
    expect(codes("xx-ada.lovelace-xx", { email: "Ada.Lovelace@example.com" })).toEqual(["PASSWORD_CONTAINS_EMAIL"]);
    expect(codes("i-am-lovelace-1815", { userName: "Ada Lovelace" })).toEqual(["PASSWORD_CONTAINS_NAME"]);
    expect(codes("acmecloud-rocks", { productName: "Acme Cloud" })).toEqual(["PASSWORD_CONTAINS_CONTEXT_WORD"]);
    expect(codes("roadrunner-2024", { policy: effectivePolicy({ blockedWords: ["Roadrunner"] }) })).toEqual([
      "PASSWORD_CONTAINS_CONTEXT_WORD",
    ]);
    // Short names do not block (a 2-letter name would forbid half the dictionary).
    expect(codes("ed-was-here-today", { userName: "Ed" })).toEqual([]);
  });

  it("lookups are reported with their codes: common, breached, reused", () => {
    expect(codes("whatever-it-is", { common: true, breached: true, reused: true })).toEqual([
      "PASSWORD_TOO_COMMON",
      "PASSWORD_BREACHED",
      "PASSWORD_REUSED",
    ]);
  });
});
