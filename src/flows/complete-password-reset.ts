import type { Deps } from "../deps";
import { auditRow } from "../db/audit";
import { findClient } from "../db/clients";
import { guardedInsert } from "../db/guarded";
import { auditEvents, emailOutbox } from "../db/schema";
import { consumeReset, consumedByGuard, invalidateOpenResets } from "../db/resets";
import { insertOneTimeTokenGuarded, revokeUserSessions } from "../db/sessions";
import { findUserById, setPassword } from "../db/users";
import { describeDevice } from "../domain/device";
import { AppError } from "../domain/errors";
import { checkPasswordPolicy, effectivePolicy, PASSWORD_REUSED, type PasswordPolicy } from "../domain/password-policy";
import { signToken } from "../crypto/jwt";
import { hashPassword, verifyPassword } from "../crypto/password";
import { newId } from "../crypto/tokens";
import { prepareEmail } from "../mail/outbox";
import { deliverEmail } from "./deliver-email";
import { enforceLimit, forgotPasswordUrl, hashParams, ipKey, loadLiveReset } from "./support";

/** Login tokens (after a reset) are exchangeable once within this time. */
export const LOGIN_TOKEN_TTL_SECONDS = 300;

export interface CompleteResult {
  status: "completed";
  userId: string;
  loginToken?: string;
  /** Where the hosted page may send the user next (already checked against the allowlist). */
  redirectUri: string | null;
}

/**
 * Completes a reset. The token is checked (not consumed) before any hashing; then one D1 batch
 * consumes it and, guarded on having won that race, kills the user's other resets, replaces the
 * hash, revokes every session, writes the audit event, queues the "password changed" email and
 * (if the client allows) a one-time login token. Of N concurrent completions exactly one wins.
 */
export async function completePasswordReset(
  deps: Deps,
  input: { token: string; newPassword: string },
  opts: { policy?: PasswordPolicy } = {},
): Promise<CompleteResult> {
  await enforceLimit(deps, "completePerIp", ipKey(deps));
  const rr = await loadLiveReset(deps, input.token);
  const [user, client] = await Promise.all([findUserById(deps.db, rr.userId), findClient(deps.db, rr.clientId)]);
  if (!user || user.disabled || !client) throw new AppError("INVALID_TOKEN");

  const policy = opts.policy ?? effectivePolicy(client.passwordPolicy);
  const errors = checkPasswordPolicy(input.newPassword, { policy, email: user.email });
  if (errors.length > 0) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, errors);
  const params = hashParams(deps);
  const [reused, newHash] = await Promise.all([
    user.passwordHash ? verifyPassword(input.newPassword, user.passwordHash, params) : Promise.resolve(false),
    hashPassword(input.newPassword, params),
  ]);
  if (reused) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, [PASSWORD_REUSED]);

  const { db } = deps;
  const now = deps.now();
  const nonce = newId();
  const guard = consumedByGuard(rr.id, nonce);
  const email = await prepareEmail(deps, {
    template: "password_changed",
    client,
    to: user.email,
    locale: rr.locale ?? client.defaultLocale,
    userId: user.id,
    vars: {
      name: user.name,
      when: now,
      country: deps.meta.country,
      device: describeDevice(deps.meta.userAgent),
      resetLink: forgotPasswordUrl(deps, client),
    },
  });
  const loginTokenId = client.issueLoginToken ? newId("lt_") : null;
  const results = await db.batch([
    consumeReset(db, rr.id, nonce, now),
    invalidateOpenResets(db, user.id, now, { exceptId: rr.id, guard }),
    setPassword(db, user.id, newHash, now, guard),
    revokeUserSessions(db, user.id, now, guard),
    guardedInsert(db, auditEvents, auditRow(deps.meta, now, {
      type: "password_reset.completed",
      tenantId: user.tenantId,
      clientId: client.id,
      userId: user.id,
      data: { resetId: rr.id, kind: rr.kind, sessionsRevoked: true },
    }), guard),
    guardedInsert(db, emailOutbox, email, guard),
    ...(loginTokenId
      ? [insertOneTimeTokenGuarded(db, {
          id: loginTokenId,
          kind: "login",
          tenantId: user.tenantId,
          userId: user.id,
          clientId: client.id,
          expiresAt: now + LOGIN_TOKEN_TTL_SECONDS * 1000,
          createdAt: now,
        }, guard)]
      : []),
  ]);
  if (results[0].meta.changes !== 1) throw new AppError("TOKEN_USED");
  deps.defer(deliverEmail(deps, email.id));

  const loginToken = loginTokenId
    ? await signToken(deps.config.signing, {
        issuer: deps.config.publicBaseUrl,
        purpose: "login",
        subject: user.id,
        ttlSeconds: LOGIN_TOKEN_TTL_SECONDS,
        jti: loginTokenId,
        claims: { tid: user.tenantId, cid: client.id },
      })
    : undefined;
  return { status: "completed", userId: user.id, ...(loginToken ? { loginToken } : {}), redirectUri: rr.redirectUri };
}
