import { verifyToken } from "../crypto/jwt";
import { useOneTimeToken } from "../db/sessions";
import { findUserById } from "../db/users";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import { issueSession, type SessionResult } from "./issue-session";

/**
 * Trades a one-time login token (issued after a reset) for a session, exactly once. A token older
 * than the user's sessions_valid_after (a later reset, a disable) is refused even if its row was
 * somehow left unused: it was issued for a password or account state that no longer holds.
 */
export async function exchangeLoginToken(deps: Deps, loginToken: string): Promise<SessionResult> {
  const check = await verifyToken(deps.config.signing, loginToken, deps.config.publicBaseUrl, "login", deps.now());
  if (!check.ok || typeof check.payload.jti !== "string") throw new AppError("INVALID_LOGIN_TOKEN");
  const row = await useOneTimeToken(deps.db, check.payload.jti, "login", deps.now());
  if (!row || row.userId !== check.payload.sub) throw new AppError("INVALID_LOGIN_TOKEN");
  const user = await findUserById(deps.db, row.userId);
  // The completion that issued the token moved the cut-off to the token's own creation instant.
  if (!user || user.disabled || row.createdAt < user.sessionsValidAfter) throw new AppError("INVALID_LOGIN_TOKEN");
  return issueSession(deps, user, row.clientId, "INVALID_LOGIN_TOKEN");
}
