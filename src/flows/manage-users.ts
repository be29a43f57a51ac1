import { auditRow, insertAudit } from "../db/audit";
import { unlockUserRow } from "../db/locks";
import { deleteHistory } from "../db/password-history";
import { invalidateOpenResets } from "../db/resets";
import { revokeUserSessions, useUserLoginTokens } from "../db/sessions";
import { deleteUserRow, findUserById, type User, updateUserRow } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { dropQueuedForUser } from "../outbox/store";
import { enforceAdminWrite } from "./target-tenant";

/** A user of the caller's tenant, or USER_NOT_FOUND (also for another tenant's user: nothing is revealed). */
export async function getUserFor(deps: Deps, scope: AdminScope, id: string): Promise<User> {
  const user = await findUserById(deps.db, id, scope.tenantId ?? undefined);
  if (!user) throw new AppError("USER_NOT_FOUND", `No user with id ${id}.`);
  return user;
}

export interface UserPatch {
  email?: string;
  name?: string | null;
  locale?: string | null;
  disabled?: boolean;
  /** The product holds a second factor: resets through a client with stepUp need its proof. */
  mfa?: boolean;
  /** true: password sign-in answers PASSWORD_RESET_REQUIRED until a reset completes (README: Forced reset). */
  mustResetPassword?: boolean;
}

/**
 * Updates a user. A new email address kills outstanding resets (their links went to the old
 * address) and unused login tokens; disabling or forcing a reset also revokes every session and
 * login token at once. Audit events name the changed fields, never their values.
 */
export async function updateUser(deps: Deps, scope: AdminScope, id: string, patch: UserPatch): Promise<User> {
  await enforceAdminWrite(deps, scope);
  const user = await getUserFor(deps, scope, id);
  const { db } = deps;
  const now = deps.now();
  const email = patch.email === undefined ? undefined : normalizeEmail(patch.email);
  const emailChanged = email !== undefined && email !== user.email;
  const disabling = patch.disabled === true && !user.disabled;
  // Forcing a reset ends sessions every time it is set (again after a new breach, say).
  const forcing = patch.mustResetPassword === true;
  const revoking = disabling || forcing;
  const audit = (type: string, data: Record<string, unknown>) =>
    insertAudit(db, auditRow(deps.meta, now, { type, tenantId: user.tenantId, userId: user.id, data }));
  try {
    await db.batch([
      updateUserRow(
        db,
        user.id,
        { ...patch, ...(email ? { email } : {}), ...(revoking ? { sessionsValidAfter: now } : {}) },
        now,
      ),
      audit("user.updated", {
        fields: Object.keys(patch),
        ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
        ...(patch.mfa !== undefined ? { mfa: patch.mfa } : {}),
        ...(patch.mustResetPassword !== undefined ? { mustResetPassword: patch.mustResetPassword } : {}),
      }),
      ...(emailChanged || disabling ? [invalidateOpenResets(db, user.id, now)] : []),
      ...(emailChanged || revoking ? [useUserLoginTokens(db, user.id, now)] : []),
      ...(revoking
        ? [
            revokeUserSessions(db, user.id, now),
            audit("sessions.revoked", { reason: disabling ? "user_disabled" : "must_reset_password" }),
          ]
        : []),
      ...(forcing ? [audit("user.must_reset_password", { by: "admin" })] : []),
    ]);
  } catch (e) {
    if (/UNIQUE|constraint/i.test(String(e))) throw new AppError("USER_EXISTS");
    throw e;
  }
  return (await findUserById(db, user.id))!;
}

/**
 * Deletes a user, atomically: outstanding resets die, every session is revoked, password history
 * and queued messages about them go, then the row. Audit events stay (they hold ids, not addresses).
 */
export async function deleteUser(deps: Deps, scope: AdminScope, id: string): Promise<void> {
  await enforceAdminWrite(deps, scope);
  const user = await getUserFor(deps, scope, id);
  const { db } = deps;
  const now = deps.now();
  await db.batch([
    invalidateOpenResets(db, user.id, now),
    revokeUserSessions(db, user.id, now),
    useUserLoginTokens(db, user.id, now),
    deleteHistory(db, user.id),
    dropQueuedForUser(db, user.id),
    deleteUserRow(db, user.id),
    insertAudit(
      db,
      auditRow(deps.meta, now, {
        type: "sessions.revoked",
        tenantId: user.tenantId,
        userId: user.id,
        data: { reason: "user_deleted" },
      }),
    ),
    insertAudit(db, auditRow(deps.meta, now, { type: "user.deleted", tenantId: user.tenantId, userId: user.id })),
  ]);
}

/** Ends an owner's lock ("that wasn't me"); a user who is not locked is left as is. */
export async function unlockUser(deps: Deps, scope: AdminScope, id: string): Promise<void> {
  await enforceAdminWrite(deps, scope);
  const user = await getUserFor(deps, scope, id);
  if (user.lockedAt === null) return;
  const now = deps.now();
  await deps.db.batch([
    unlockUserRow(deps.db, user.id, now),
    insertAudit(
      deps.db,
      auditRow(deps.meta, now, {
        type: "account.unlocked",
        tenantId: user.tenantId,
        userId: user.id,
        data: { lockedAt: new Date(user.lockedAt).toISOString() },
      }),
    ),
  ]);
}
