import { signToken } from "../crypto/jwt";
import { newId } from "../crypto/tokens";
import { insertSessionGuarded } from "../db/sessions";
import type { User } from "../db/users";
import type { Deps } from "../deps";
import { AppError, type ErrorCode } from "../domain/errors";

/** Access tokens (and their sessions) live this long. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

/** What a sign-in or a login-token exchange answers. */
export interface SessionResult {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

/**
 * Creates a session row and its signed access token (the token names the session, so revoking the
 * row ends it). `user` is the row the caller verified: the insert only lands while the user still
 * has that hash and cut-off and is enabled, else `refusal` is thrown (a reset or disable won the
 * race). The session is dated after the cut-off it was granted on, which /v1/me compares with <=.
 */
export async function issueSession(
  deps: Deps,
  user: User,
  clientId: string,
  refusal: ErrorCode = "INVALID_CREDENTIALS",
): Promise<SessionResult> {
  const now = deps.now();
  const id = newId("ses_");
  // Signed while D1 inserts the row (the signature's CPU overlaps the round trip); a token whose
  // row did not land is dropped unseen.
  const [inserted, accessToken] = await Promise.all([
    insertSessionGuarded(
      deps.db,
      {
        id,
        tenantId: user.tenantId,
        userId: user.id,
        clientId,
        createdAt: Math.max(now, user.sessionsValidAfter + 1),
        expiresAt: now + ACCESS_TOKEN_TTL_SECONDS * 1000,
      },
      { passwordHash: user.passwordHash, sessionsValidAfter: user.sessionsValidAfter },
    ),
    signToken(deps.config.signing, {
      issuer: deps.config.publicBaseUrl,
      purpose: "access",
      audience: clientId,
      subject: user.id,
      ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
      now,
      claims: { sid: id, tid: user.tenantId, cid: clientId },
    }),
  ]);
  if (!inserted) throw new AppError(refusal);
  return { accessToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}
