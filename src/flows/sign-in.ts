import type { Deps } from "../deps";
import { auditRow, insertAudit } from "../db/audit";
import { insertSession } from "../db/sessions";
import { findUserByEmail, rehashPassword, type User } from "../db/users";
import { normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { signToken } from "../crypto/jwt";
import { dummyHash, hashPassword, needsRehash, verifyPassword } from "../crypto/password";
import { newId } from "../crypto/tokens";
import { emailKey, enforceLimits, hashParams, ipKey, resolveClient } from "./support";

/** Access tokens (and their sessions) live this long. */
export const ACCESS_TOKEN_TTL_SECONDS = 3600;

export interface SessionResult {
  accessToken: string;
  tokenType: "Bearer";
  expiresIn: number;
}

/** Creates a session row and its signed access token. */
export async function createSession(deps: Deps, user: User, clientId: string): Promise<SessionResult> {
  const now = deps.now();
  const id = newId("ses_");
  await insertSession(deps.db, { id, tenantId: user.tenantId, userId: user.id, clientId, createdAt: now, expiresAt: now + ACCESS_TOKEN_TTL_SECONDS * 1000 });
  const accessToken = await signToken(deps.config.signing, {
    issuer: deps.config.publicBaseUrl,
    purpose: "access",
    subject: user.id,
    ttlSeconds: ACCESS_TOKEN_TTL_SECONDS,
    claims: { sid: id, tid: user.tenantId, cid: clientId },
  });
  return { accessToken, tokenType: "Bearer", expiresIn: ACCESS_TOKEN_TTL_SECONDS };
}

/**
 * Password sign-in. Unknown user, disabled user, no password and wrong password all give the same
 * INVALID_CREDENTIALS after the same hashing work (a random hash is verified for unknown users).
 * A hash made with older parameters is upgraded after a successful sign-in.
 */
export async function signIn(deps: Deps, input: { email: string; password: string; clientId?: string | null }): Promise<SessionResult> {
  const client = await resolveClient(deps, input.clientId);
  const email = normalizeEmail(input.email);
  await enforceLimits(deps, [["signInPerIp", ipKey(deps)], ["signInPerAccount", await emailKey(deps, client.tenantId, email)]]);
  const params = hashParams(deps);
  const user = await findUserByEmail(deps.db, client.tenantId, email);
  const stored = user?.passwordHash ?? dummyHash(params);
  const ok = (await verifyPassword(input.password, stored, params)) && !!user?.passwordHash && !user.disabled;
  // Audit rows are written after the response: no D1 round trip on the sign-in path for them.
  const audit = (type: string) =>
    deps.defer(insertAudit(deps.db, auditRow(deps.meta, deps.now(), { type, tenantId: client.tenantId, clientId: client.id, userId: user?.id ?? null })).run());
  if (!ok || !user) {
    audit("sign_in.failed");
    throw new AppError("INVALID_CREDENTIALS");
  }
  if (needsRehash(stored, params)) {
    deps.defer(hashPassword(input.password, params).then((h) => rehashPassword(deps.db, user.id, stored, h, deps.now())));
  }
  audit("sign_in.succeeded");
  return createSession(deps, user, client.id);
}
