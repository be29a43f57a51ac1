import { findClient } from "../db/clients";
import { findUserById } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { startReset } from "./start-reset";
import { enforceAdminWrite } from "./target-tenant";

/**
 * Admin-initiated reset (seed 004): emails the user a link valid for the client's admin TTL
 * (default 24 h). For a user without a password this is the "set your password" invitation.
 * After completion the hosted page sends the user to the client's first redirect URI.
 */
export async function adminResetPassword(
  deps: Deps,
  scope: AdminScope,
  userId: string,
  clientId: string,
): Promise<void> {
  await enforceAdminWrite(deps, scope);
  const user = await findUserById(deps.db, userId, scope.tenantId ?? undefined);
  if (!user) throw new AppError("USER_NOT_FOUND", `No user with id ${userId}.`);
  const client = await findClient(deps.db, clientId);
  if (!client || client.tenantId !== user.tenantId) {
    throw new AppError("UNKNOWN_CLIENT", "clientId must name a client of the user's tenant.");
  }
  if (user.disabled) throw new AppError("VALIDATION_FAILED", "The user is disabled.");
  await startReset(deps, { client, user, kind: "admin", redirectUri: client.redirectUris[0] ?? null });
}
