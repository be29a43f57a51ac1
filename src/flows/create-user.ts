import type { Deps } from "../deps";
import { auditRow, insertAudit } from "../db/audit";
import { insertUser, newUser, type User } from "../db/users";
import { normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { hashPassword } from "../crypto/password";
import { passwordProblems, tenantScope } from "./check-password";
import { hashParams } from "./support";

/** A user as the API shows it (never the hash). */
export interface PublicUser {
  id: string;
  tenantId: string;
  email: string;
  name: string | null;
  locale: string | null;
  disabled: boolean;
  hasPassword: boolean;
  passwordChangedAt: string | null;
  createdAt: string;
}

/** The API view of a user row. */
export function publicUser(u: User): PublicUser {
  return {
    id: u.id,
    tenantId: u.tenantId,
    email: u.email,
    name: u.name,
    locale: u.locale,
    disabled: u.disabled,
    hasPassword: u.passwordHash !== null,
    passwordChangedAt: u.passwordChangedAt ? new Date(u.passwordChangedAt).toISOString() : null,
    createdAt: new Date(u.createdAt).toISOString(),
  };
}

/**
 * Admin: creates a user in a tenant, with or without a password. A password must pass the policy
 * of `clientId` (or the tenant's default, see tenantScope), breached-password check included.
 */
export async function createUser(
  deps: Deps,
  tenantId: string,
  input: { email: string; password?: string; name?: string; locale?: string; clientId?: string },
): Promise<PublicUser> {
  const email = normalizeEmail(input.email);
  let passwordHash: string | null = null;
  if (input.password !== undefined) {
    const scope = await tenantScope(deps, tenantId, input.clientId);
    const errors = (await passwordProblems(deps, { password: input.password, scope, email, userName: input.name })).map((e) => ({ ...e, path: "password" }));
    if (errors.length) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, errors);
    passwordHash = await hashPassword(input.password, hashParams(deps));
  }
  const now = deps.now();
  const user = newUser(tenantId, { email, name: input.name, locale: input.locale, passwordHash }, now);
  if (!(await insertUser(deps.db, user))) throw new AppError("USER_EXISTS");
  await insertAudit(deps.db, auditRow(deps.meta, now, { type: "user.created", tenantId, clientId: input.clientId ?? null, userId: user.id, data: { hasPassword: passwordHash !== null } })).run();
  return publicUser(user);
}
