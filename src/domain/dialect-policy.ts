import type { PasswordPolicy } from "./password-policy";

/** Seed 002's special characters, exactly as it lists them. */
export const SINGULARITY_SYMBOLS = "!@#$%^&*()_+={}[]|:;'\"<>,.?/";

/** Seed 002's rule on top of the client's policy: a client may be stricter (e.g. longer), never laxer. */
export const singularityPolicy = (p: PasswordPolicy): PasswordPolicy => ({
  ...p,
  minLength: Math.max(8, p.minLength),
  requireUpper: true,
  requireLower: true,
  requireDigit: true,
  requireSymbol: true,
  symbols: SINGULARITY_SYMBOLS,
});

/** A dialect's adjustment of the client's policy (its contract's own password rules). */
export type PolicyAdjust = (clientPolicy: PasswordPolicy) => PasswordPolicy;

/**
 * The password rules a dialect's contract adds, by the dialect a reset was started through. They
 * are stored with the reset (reset_requests.dialect), so they follow it to whichever route
 * completes it: a reset started under seed 002's composition rules cannot be finished on the
 * canonical API with the laxer default policy.
 */
export const DIALECT_POLICIES: Readonly<Record<string, PolicyAdjust>> = { singularity: singularityPolicy };

/** Applies adjustments in order (each on top of the previous); undefined ones are skipped. */
export const composePolicies =
  (...adjust: (PolicyAdjust | undefined)[]): PolicyAdjust =>
  (p) =>
    adjust.reduce<PasswordPolicy>((acc, f) => (f ? f(acc) : acc), p);
