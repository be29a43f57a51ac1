import { signToken } from "../crypto/jwt";
import { hashPassword, isImportedHash } from "../crypto/password";
import { newId } from "../crypto/tokens";
import { auditRow } from "../db/audit";
import { isCommonPassword } from "../db/blocklist";
import { clearBudgets } from "../db/budgets";
import { findClient } from "../db/clients";
import { guardedInsert } from "../db/guarded";
import { rememberOldHash } from "../db/password-history";
import { consumedByGuard, consumeReset, invalidateOpenResets } from "../db/resets";
import { auditEvents } from "../db/schema";
import { insertOneTimeTokenGuarded, revokeUserSessions, useUserLoginTokens } from "../db/sessions";
import { findUserById, setPassword } from "../db/users";
import { afterResponse, type Deps } from "../deps";
import { describeDevice } from "../domain/device";
import { AppError } from "../domain/errors";
import { PASSWORD_REUSED, type PasswordPolicy } from "../domain/password-policy";
import { composeEmail } from "../outbox/compose-email";
import { composeWebhook } from "../outbox/compose-webhook";
import { enqueue } from "../outbox/enqueue";
import { auditTokenRefused, loadLiveReset } from "./live-reset";
import { mintNotMe } from "./lock-account";
import { isReusedPassword, passwordProblems, resetScope } from "./password-rules";
import { resolveClient } from "./resolve-client";
import { assertSteppedUp, needsStepUp } from "./step-up";
import { emailKey, enforceLimit, ipKey, signInBudgetKey } from "./throttle";

/** Login tokens (after a reset) are exchangeable once within this time. */
export const LOGIN_TOKEN_TTL_SECONDS = 300;

/** How a caller (a dialect) adapts completion to its contract. */
export interface CompleteOptions {
  /**
   * Adjusts the effective policy, e.g. a dialect's composition rules on top of it (after the rules
   * of the dialect the reset was started through, which always apply).
   */
  policy?: (clientPolicy: PasswordPolicy) => PasswordPolicy;
  /** Overrides the client's issueLoginToken: a contract that returns one (Nexudus) or never does. */
  issueLoginToken?: boolean;
  /** The token must belong to the client of this Nexudus location, when one is named. */
  businessId?: number | null;
}

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
 * hash, revokes every session and unused login token, writes the audit event, queues the "password changed" email (with its "that wasn't me" link) and
 * (if the client or the caller asks for it) a one-time login token. Of N concurrent completions exactly one wins.
 */
export async function completePasswordReset(
  deps: Deps,
  input: { token: string; newPassword: string; stepUpToken?: string | null },
  opts: CompleteOptions = {},
): Promise<CompleteResult> {
  // A token is only good at the client (location) it was issued for.
  const location =
    opts.businessId === null || opts.businessId === undefined ? null : await resolveClient(deps, null, opts.businessId);
  await enforceLimit(deps, "completePerIp", ipKey(deps));
  const rr = await loadLiveReset(deps, input.token, "complete");
  if (location && rr.clientId !== location.id) {
    await auditTokenRefused(deps, rr, "INVALID_TOKEN", "complete", "other_client");
    throw new AppError("INVALID_TOKEN");
  }
  // The blocklist lookup needs only the password: read in the same round trip of latency.
  const [user, client, common] = await Promise.all([
    findUserById(deps.db, rr.userId),
    findClient(deps.db, rr.clientId),
    isCommonPassword(deps.db, input.newPassword),
  ]);
  // Only a holder of a live token for this account learns that the account is gone.
  if (!user) {
    await auditTokenRefused(deps, rr, "USER_NOT_FOUND", "complete", "user_gone");
    throw new AppError("USER_NOT_FOUND");
  }
  if (user.disabled || !client) {
    await auditTokenRefused(deps, rr, "INVALID_TOKEN", "complete", user.disabled ? "user_disabled" : "client_gone");
    throw new AppError("INVALID_TOKEN");
  }

  // A user with a second factor: the product vouches for it first (nothing is consumed until then).
  if (needsStepUp(user, client)) await assertSteppedUp(deps, rr, input.stepUpToken);

  const scope = resetScope(client, rr, opts.policy);
  const errors = await passwordProblems(deps, {
    password: input.newPassword,
    scope,
    email: user.email,
    userName: user.name,
    userId: user.id,
    common,
  });
  if (errors.length > 0) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, errors);
  const [reused, newHash] = await Promise.all([
    isReusedPassword(deps, user, input.newPassword, scope.policy.historySize),
    hashPassword(input.newPassword, deps.config.hashing),
  ]).catch(() => {
    throw new AppError("HASH_FAILURE");
  });
  if (reused) throw new AppError("PASSWORD_POLICY_VIOLATION", undefined, [PASSWORD_REUSED]);

  const { db } = deps;
  const now = deps.now();
  const nonce = newId();
  const guard = consumedByGuard(rr.id, nonce);
  // The email's "that wasn't me" button locks the account (src/flows/lock-account.ts).
  const notMe = await mintNotMe(deps, user, client.id, guard);
  const email = await composeEmail(deps, {
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
      notMeLink: notMe.link,
    },
  });
  const hookData = { resetId: rr.id, userId: user.id, email: user.email, kind: rr.kind, sessionsRevoked: true };
  const changed = {
    userId: user.id,
    email: user.email,
    reason: "password_reset",
    changedAt: new Date(now).toISOString(),
  };
  // Every row is guarded like the rest of the batch: a losing concurrent completion queues nothing.
  const queued = enqueue(
    deps,
    [
      email,
      await composeWebhook(deps, client, "password_reset.completed", hookData, user.id),
      await composeWebhook(deps, client, "user.password_changed", changed, user.id),
    ],
    { guard },
  );
  const loginTokenId = (opts.issueLoginToken ?? client.issueLoginToken) ? newId("lt_") : null;
  const results = await db.batch([
    consumeReset(db, rr.id, nonce, now),
    invalidateOpenResets(db, user.id, now, { exceptId: rr.id, guard }),
    // An imported hash is not remembered: the reuse check never verifies one (src/flows/password-rules.ts).
    ...(user.passwordHash && !isImportedHash(user.passwordHash)
      ? rememberOldHash(db, user.id, user.passwordHash, now, guard)
      : []),
    setPassword(db, user.id, newHash, now, guard),
    revokeUserSessions(db, user.id, now, guard),
    // A login token of an earlier reset must not outlive this one (the new token is inserted below).
    useUserLoginTokens(db, user.id, now, guard),
    guardedInsert(
      db,
      auditEvents,
      auditRow(deps.meta, now, {
        type: "password_reset.completed",
        tenantId: user.tenantId,
        clientId: client.id,
        userId: user.id,
        data: { resetId: rr.id, kind: rr.kind, sessionsRevoked: true },
      }),
      guard,
    ),
    guardedInsert(
      db,
      auditEvents,
      auditRow(deps.meta, now, {
        type: "sessions.revoked",
        tenantId: user.tenantId,
        clientId: client.id,
        userId: user.id,
        data: { reason: "password_reset" },
      }),
      guard,
    ),
    ...queued.statements,
    notMe.statement,
    ...(loginTokenId
      ? [
          insertOneTimeTokenGuarded(
            db,
            {
              id: loginTokenId,
              kind: "login",
              tenantId: user.tenantId,
              userId: user.id,
              clientId: client.id,
              expiresAt: now + LOGIN_TOKEN_TTL_SECONDS * 1000,
              createdAt: now,
            },
            guard,
          ),
        ]
      : []),
  ]);
  if (results[0].meta.changes !== 1) throw new AppError("TOKEN_USED");
  queued.send(results);
  // Failed sign-ins counted against the old password no longer lock the owner out (after the response).
  afterResponse(deps, () =>
    emailKey(deps, user.tenantId, user.email).then((h) => clearBudgets(db, signInBudgetKey(h))),
  );

  // The reset is committed: a failure from here on must not read as "nothing happened".
  const loginToken = loginTokenId
    ? await signToken(deps.config.signing, {
        issuer: deps.config.publicBaseUrl,
        purpose: "login",
        audience: client.id,
        subject: user.id,
        ttlSeconds: LOGIN_TOKEN_TTL_SECONDS,
        now,
        jti: loginTokenId,
        claims: { tid: user.tenantId, cid: client.id },
      }).catch(() => {
        throw new AppError("POST_COMMIT_SIDE_EFFECT_FAILURE", "The password was changed; sign in with it.");
      })
    : undefined;
  return { status: "completed", userId: user.id, ...(loginToken ? { loginToken } : {}), redirectUri: rr.redirectUri };
}
