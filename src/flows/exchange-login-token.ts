import type { Deps } from "../deps";
import { useOneTimeToken } from "../db/sessions";
import { findUserById } from "../db/users";
import { AppError } from "../domain/errors";
import { verifyToken } from "../crypto/jwt";
import { createSession, type SessionResult } from "./sign-in";

/** Trades a one-time login token (issued after a reset) for a session, exactly once. */
export async function exchangeLoginToken(deps: Deps, loginToken: string): Promise<SessionResult> {
  const check = await verifyToken(deps.config.signing, loginToken, deps.config.publicBaseUrl, "login");
  if (!check.ok || typeof check.payload.jti !== "string") throw new AppError("INVALID_LOGIN_TOKEN");
  const row = await useOneTimeToken(deps.db, check.payload.jti, "login", deps.now());
  if (!row || row.userId !== check.payload.sub) throw new AppError("INVALID_LOGIN_TOKEN");
  const user = await findUserById(deps.db, row.userId);
  if (!user || user.disabled) throw new AppError("INVALID_LOGIN_TOKEN");
  return createSession(deps, user, row.clientId);
}
