import { signToken } from "../crypto/jwt";
import { newId } from "../crypto/tokens";
import { insertSession } from "../db/sessions";
import type { User } from "../db/users";
import type { Deps } from "../deps";

/** Access tokens (and their sessions) live this long. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** What a sign-in or a login-token exchange answers. */
export interface SessionResult {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

/** Creates a session row and its signed access token (the token names the session, so revoking the row ends it). */
export async function issueSession(deps: Deps, user: User, clientId: string): Promise<SessionResult> {
  const now = deps.now();
  const id = newId("ses_");
  await insertSession(deps.db, {
    id,
    tenantId: user.tenantId,
    userId: user.id,
    clientId,
    createdAt: now,
    expiresAt: now + ACCESS_TOKEN_TTL_SECONDS * 1000,
  });
  const accessToken = await signToken(deps.config.signing, {
    issuer: deps.config.publicBaseUrl,
    purpose: "access",
    subject: user.id,
    ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    now,
    claims: { sid: id, tid: user.tenantId, cid: clientId },
  });
  return { accessToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}
