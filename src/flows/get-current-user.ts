import { verifyToken } from "../crypto/jwt";
import { findSessionWithUser } from "../db/sessions";
import type { User } from "../db/users";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";

/**
 * Resolves a Bearer access token to its user. The signature alone is not enough: the session row
 * must still be live, so a password reset (which revokes every session) ends it at once.
 */
export async function getCurrentUser(deps: Deps, accessToken: string | null): Promise<User> {
  if (!accessToken) throw new AppError("UNAUTHORIZED", "Send an access token as Authorization: Bearer <token>.");
  const check = await verifyToken(deps.config.signing, accessToken, deps.config.publicBaseUrl, "access", deps.now());
  if (!check.ok || typeof check.payload.sid !== "string")
    throw new AppError("UNAUTHORIZED", "The access token is invalid or expired.");
  const found = await findSessionWithUser(deps.db, check.payload.sid);
  const now = deps.now();
  if (
    !found ||
    found.user.id !== check.payload.sub ||
    found.session.revokedAt !== null ||
    found.session.expiresAt <= now ||
    // Either revocation alone ends the session: the rows (revoked_at) and the user's cut-off instant.
    // <=: a session of the cut-off's own millisecond may have been granted on the old password.
    found.session.createdAt <= found.user.sessionsValidAfter ||
    found.user.disabled
  ) {
    throw new AppError("SESSION_REVOKED");
  }
  return found.user;
}
