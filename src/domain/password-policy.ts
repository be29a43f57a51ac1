import type { FieldError } from "./errors";

/** A client's password-policy settings as stored (every field optional; defaults below). */
export interface PolicyOverrides {
  minLength?: number;
  maxLength?: number;
  requireUpper?: boolean;
  requireLower?: boolean;
  requireDigit?: boolean;
  requireSymbol?: boolean;
  /** At least this many different characters (0 = off). */
  minDistinctChars?: number;
  /** Reject the current and the N-1 previous passwords (0 = off, 1 = "not the current one"). */
  historySize?: number;
  /** Check the HIBP range API (only when HIBP_API_BASE_URL is set). */
  breachCheck?: boolean;
  /** Extra context words the password must not contain (besides email, user name and product name). */
  blockedWords?: string[];
}

/** The effective policy; `symbols` is a dialect's exact list of characters that count as a symbol. */
export type PasswordPolicy = Required<PolicyOverrides> & { symbols?: string };

/** Bounds of the settings a client may choose. */
export const POLICY_LIMITS = {
  minLength: [8, 64],
  maxLength: [8, 256],
  minDistinctChars: [0, 64],
  historySize: [0, 10],
} as const;

export const DEFAULT_POLICY: PasswordPolicy = {
  minLength: 8,
  maxLength: 256,
  requireUpper: false,
  requireLower: false,
  requireDigit: false,
  requireSymbol: false,
  minDistinctChars: 0,
  historySize: 1,
  breachCheck: true,
  blockedWords: [],
};

const clamp = (n: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, Math.floor(n)));

/** Merges a client's overrides onto the defaults, keeping every bound sane whatever is stored. */
export function effectivePolicy(overrides: PolicyOverrides = {}): PasswordPolicy {
  const p = { ...DEFAULT_POLICY, ...overrides };
  p.minLength = clamp(p.minLength, POLICY_LIMITS.minLength);
  p.maxLength = Math.max(p.minLength, clamp(p.maxLength, POLICY_LIMITS.maxLength));
  p.minDistinctChars = clamp(p.minDistinctChars, POLICY_LIMITS.minDistinctChars);
  p.historySize = clamp(p.historySize, POLICY_LIMITS.historySize);
  return p;
}

/** What the rules need to know besides the password; lookups (D1, HIBP, history) are done by the caller. */
export interface PolicyContext {
  policy: PasswordPolicy;
  /** Result of the blocklist lookup (src/db/blocklist.ts): required, so no caller can forget it. */
  common: boolean;
  breached?: boolean;
  reused?: boolean;
  email?: string | null;
  userName?: string | null;
  productName?: string | null;
}

const hasSymbol = (pw: string, symbols: string | undefined) =>
  symbols ? [...pw].some((ch) => symbols.includes(ch)) : /[^\p{L}\p{Nd}\s]/u.test(pw);

const rule = (code: string, message: string): FieldError => ({ path: "newPassword", code, message });

const norm = (s: string) => s.normalize("NFKC").toLowerCase();
/** Words of at least `min` characters (names are split on spaces, dots, dashes...). */
const words = (s: string | null | undefined, min: number) =>
  s
    ? norm(s)
        .split(/[^\p{L}\p{N}]+/u)
        .filter((w) => [...w].length >= min)
    : [];

/**
 * Checks every rule and returns every failure (never just the first), each with its own code.
 * Length counts Unicode code points after NFKC; nothing is ever truncated.
 */
export function checkPasswordPolicy(password: string, ctx: PolicyContext): FieldError[] {
  const { policy } = ctx;
  const pw = password.normalize("NFKC");
  const lower = pw.toLowerCase();
  const length = [...pw].length;
  const errors: FieldError[] = [];
  if (length < policy.minLength)
    errors.push(rule("PASSWORD_TOO_SHORT", `Use at least ${policy.minLength} characters.`));
  if (length > policy.maxLength) errors.push(rule("PASSWORD_TOO_LONG", `Use at most ${policy.maxLength} characters.`));
  if (policy.requireUpper && !/\p{Lu}/u.test(pw))
    errors.push(rule("PASSWORD_MISSING_UPPERCASE", "Add an upper-case letter."));
  if (policy.requireLower && !/\p{Ll}/u.test(pw))
    errors.push(rule("PASSWORD_MISSING_LOWERCASE", "Add a lower-case letter."));
  if (policy.requireDigit && !/\p{Nd}/u.test(pw)) errors.push(rule("PASSWORD_MISSING_DIGIT", "Add a digit."));
  if (policy.requireSymbol && !hasSymbol(pw, policy.symbols)) {
    errors.push(
      rule("PASSWORD_MISSING_SYMBOL", policy.symbols ? `Add one of these symbols: ${policy.symbols}` : "Add a symbol."),
    );
  }
  if (policy.minDistinctChars > 0 && new Set(pw).size < policy.minDistinctChars) {
    errors.push(rule("PASSWORD_TOO_FEW_DISTINCT", `Use at least ${policy.minDistinctChars} different characters.`));
  }
  if (ctx.common) errors.push(rule("PASSWORD_TOO_COMMON", "This password is too common; choose another."));
  const local = ctx.email ? norm(ctx.email.split("@")[0] ?? "") : "";
  if ([...local].length >= 3 && lower.includes(local)) {
    errors.push(rule("PASSWORD_CONTAINS_EMAIL", "Do not use your email address in the password."));
  }
  if (words(ctx.userName, 3).some((w) => lower.includes(w))) {
    errors.push(rule("PASSWORD_CONTAINS_NAME", "Do not use your name in the password."));
  }
  // Product names and the client's own words: 4+ characters, so a short brand does not block half the alphabet.
  const context = [...words(ctx.productName, 4), ...policy.blockedWords.flatMap((w) => words(w, 3))];
  if (context.some((w) => lower.includes(w))) {
    errors.push(
      rule(
        "PASSWORD_CONTAINS_CONTEXT_WORD",
        "Do not use the name of this service (or words tied to it) in the password.",
      ),
    );
  }
  if (ctx.breached)
    errors.push(rule("PASSWORD_BREACHED", "This password has appeared in a data breach; choose another."));
  if (ctx.reused) errors.push(PASSWORD_REUSED);
  return errors;
}

/** The failure reported when the new password is the current one or one of the last N. */
export const PASSWORD_REUSED = rule("PASSWORD_REUSED", "Choose a password you have not used recently.");
