import type { PolicyOverrides } from "../db/clients";
import type { FieldError } from "./errors";
import { COMMON_PASSWORDS } from "./common-passwords.gen";

/** The effective policy: NIST 800-63B defaults (length + blocklist, no composition rules) plus overrides. */
export interface PasswordPolicy {
  minLength: number;
  maxLength: number;
  requireUpper: boolean;
  requireLower: boolean;
  requireDigit: boolean;
  requireSymbol: boolean;
  /** The characters that count as a symbol (a dialect's exact list); absent: anything but letters, digits and spaces. */
  symbols?: string;
}

export const DEFAULT_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 256,
  requireUpper: false,
  requireLower: false,
  requireDigit: false,
  requireSymbol: false,
};

/** Merges a client's overrides onto the defaults, keeping the bounds sane. */
export function effectivePolicy(overrides: PolicyOverrides = {}): PasswordPolicy {
  const p = { ...DEFAULT_POLICY, ...overrides };
  p.minLength = Math.min(64, Math.max(8, Math.floor(p.minLength)));
  p.maxLength = Math.min(1024, Math.max(p.minLength, Math.floor(p.maxLength)));
  return p;
}

let blocklist: Set<string> | undefined;
/** True when the password (NFKC, case-insensitive) is one of the bundled common passwords. */
export function isCommonPassword(password: string): boolean {
  blocklist ??= new Set(COMMON_PASSWORDS.split("\n"));
  return blocklist.has(password.normalize("NFKC").toLowerCase());
}

const hasSymbol = (pw: string, symbols: string | undefined) =>
  symbols ? [...pw].some((ch) => symbols.includes(ch)) : /[^\p{L}\p{Nd}\s]/u.test(pw);

const rule = (code: string, message: string): FieldError => ({ path: "newPassword", code, message });

/**
 * Checks every rule and returns every failure (never just the first), each with its own code.
 * Length counts Unicode code points after NFKC; nothing is ever truncated.
 */
export function checkPasswordPolicy(password: string, ctx: { policy: PasswordPolicy; email?: string | null }): FieldError[] {
  const { policy } = ctx;
  const pw = password.normalize("NFKC");
  const length = [...pw].length;
  const errors: FieldError[] = [];
  if (length < policy.minLength) errors.push(rule("PASSWORD_TOO_SHORT", `Use at least ${policy.minLength} characters.`));
  if (length > policy.maxLength) errors.push(rule("PASSWORD_TOO_LONG", `Use at most ${policy.maxLength} characters.`));
  if (policy.requireUpper && !/\p{Lu}/u.test(pw)) errors.push(rule("PASSWORD_MISSING_UPPERCASE", "Add an upper-case letter."));
  if (policy.requireLower && !/\p{Ll}/u.test(pw)) errors.push(rule("PASSWORD_MISSING_LOWERCASE", "Add a lower-case letter."));
  if (policy.requireDigit && !/\p{Nd}/u.test(pw)) errors.push(rule("PASSWORD_MISSING_DIGIT", "Add a digit."));
  if (policy.requireSymbol && !hasSymbol(pw, policy.symbols)) {
    errors.push(rule("PASSWORD_MISSING_SYMBOL", policy.symbols ? `Add one of these symbols: ${policy.symbols}` : "Add a symbol."));
  }
  if (isCommonPassword(pw)) errors.push(rule("PASSWORD_TOO_COMMON", "This password is too common; choose another."));
  const local = ctx.email?.split("@")[0]?.normalize("NFKC").toLowerCase();
  if (local && local.length >= 3 && pw.toLowerCase().includes(local)) {
    errors.push(rule("PASSWORD_CONTAINS_EMAIL", "Do not use your email address in the password."));
  }
  return errors;
}

/** The failure reported when the new password equals the current one. */
export const PASSWORD_REUSED = rule("PASSWORD_REUSED", "Choose a password different from your current one.");
