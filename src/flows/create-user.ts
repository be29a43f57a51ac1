import { hashPassword } from "../crypto/password";
import { auditRow, insertAudit } from "../db/audit";
import { insertUser, newUser, type User } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { normalizeEmail } from "../domain/email";
import { AppError, quotaExceeded } from "../domain/errors";
import { passwordProblems, tenantScope } from "./password-rules";
import { enforceAdminWrite, targetTenant } from "./target-tenant";

/**
 * Admin: creates a user in a tenant, with or without a password. A password must pass the policy
 * of `clientId` (or the tenant's default, see tenantScope), breached-password check included.
 */
export async function createUser(
  deps: Deps,
  scope: AdminScope,
  input: {
    email: string;
    password?: string;
    name?: string;
    locale?: string;
    mfa?: boolean;
    mustResetPassword?: boolean;
    clientId?: string;
    tenantId?: string;
  },
): Promise<User> {
  await enforceAdminWrite(deps, scope);
  const tenantId = await targetTenant(deps, scope, input.tenantId);
  const email = normalizeEmail(input.email);
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    const scope = await tenantScope(deps, tenantId, input.clientId);
    const errors = (await passwordProblems(deps, { password: input.password, scope, email, userName: input.name })).map(
      (e) => ({ ...e, path: "password" }),
    );
    if (errors.length) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, errors);
    passwordHash = await hashPassword(input.password, deps.config.hashing);
  }
  const now = deps.now();
  const user = newUser(
    tenantId,
    {
      email,
      name: input.name,
      locale: input.locale,
      passwordHash,
      mfa: input.mfa,
      mustResetPassword: input.mustResetPassword,
    },
    now,
  );
  const outcome = await insertUser(deps.db, user, deps.config.quotas.users);
  if (outcome === "exists") throw new AppError("USER_EXISTS");
  if (outcome === "quota") throw quotaExceeded("users", deps.config.quotas.users);
  await insertAudit(
    deps.db,
    auditRow(deps.meta, now, {
      type: "user.created",
      tenantId,
      clientId: input.clientId ?? null,
      userId: user.id,
      data: { hasPassword: passwordHash !== null },
    }),
  ).run();
  return user;
}
