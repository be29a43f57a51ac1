import type { Deps } from "../deps";
import type { FieldError } from "../domain/errors";
import type { PasswordPolicy } from "../domain/password-policy";
import { clientScope, passwordProblems } from "./password-rules";
import { resolveClient } from "./resolve-client";
import { enforceLimit, ipKey } from "./throttle";

export interface PolicyCheckResult {
  valid: boolean;
  /** Exactly the errors[] a PASSWORD_POLICY_VIOLATION of the complete step would list. */
  errors: FieldError[];
  /** The client's rules, so a form can show them up front. */
  policy: Omit<PasswordPolicy, "blockedWords">;
}

/**
 * Public live feedback: every rule of the complete step for the client, with the email and name
 * used only as context words. It never looks an account up (that would be an enumeration and
 * password-guessing oracle), so the reuse rule is left to the complete step.
 */
export async function checkPassword(
  deps: Deps,
  input: { password: string; clientId?: string; email?: string; name?: string },
): Promise<PolicyCheckResult> {
  const client = await resolveClient(deps, input.clientId);
  await enforceLimit(deps, "policyCheckPerIp", ipKey(deps));
  const scope = clientScope(client);
  const errors = await passwordProblems(deps, {
    password: input.password,
    scope,
    email: input.email,
    userName: input.name,
    anonymous: true,
  });
  const { blockedWords: _hidden, ...policy } = scope.policy;
  return { valid: errors.length === 0, errors, policy };
}
