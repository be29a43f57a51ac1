import { signToken } from "../crypto/jwt";
import { timingSafeEqualStr } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { findCodeCandidate, markCodeUsed, type ResetRow, reserveCodeAttempt } from "../db/resets";
import { findUserByEmail, findUserById } from "../db/users";
import type { Deps } from "../deps";
import { maskEmail, normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { auditTokenRefused, loadLiveReset } from "./live-reset";
import { resolveClient } from "./resolve-client";
import { codeHmac } from "./start-reset";
import { enforceLimit, ipKey } from "./throttle";

/** Reset JWTs live at most this long (and never beyond their request). */
export const RESET_JWT_TTL_SECONDS = 600;

export type VerifyInput = { token: string } | { email: string; code: string; clientId?: string | null };

export interface VerifyResult {
  resetToken: string;
  email: string;
  expiresAt: string;
}

async function issueResetJwt(deps: Deps, rr: ResetRow, email: string): Promise<VerifyResult> {
  const now = deps.now();
  const ttl = Math.max(1, Math.min(RESET_JWT_TTL_SECONDS, Math.floor((rr.expiresAt - now) / 1000)));
  const resetToken = await signToken(deps.config.signing, {
    issuer: deps.config.publicBaseUrl,
    purpose: "reset",
    subject: rr.userId,
    ttlSeconds: ttl,
    now,
    claims: { rid: rr.id, tid: rr.tenantId, cid: rr.clientId },
  });
  return { resetToken, email: maskEmail(email), expiresAt: new Date(now + ttl * 1000).toISOString() };
}

/**
 * Checks a link token (never consuming it: mail scanners may call this freely) or trades a
 * correct 6-digit code for a short-lived reset JWT. Every code failure is the same INVALID_CODE,
 * whether the account exists or not; after 5 wrong codes the code is dead.
 */
export async function verifyPasswordReset(deps: Deps, input: VerifyInput): Promise<VerifyResult> {
  await enforceLimit(deps, "verifyPerIp", ipKey(deps));
  if ("token" in input) {
    const rr = await loadLiveReset(deps, input.token, "verify");
    const user = await findUserById(deps.db, rr.userId);
    if (!user || user.disabled) {
      await auditTokenRefused(deps, rr, "INVALID_TOKEN", "verify", "user_disabled");
      throw new AppError("INVALID_TOKEN");
    }
    return issueResetJwt(deps, rr, user.email);
  }
  const client = await resolveClient(deps, input.clientId);
  const user = await findUserByEmail(deps.db, client.tenantId, normalizeEmail(input.email));
  const rr = user && !user.disabled ? await findCodeCandidate(deps.db, user.id, deps.now()) : null;
  if (!user || !rr?.codeHmac) {
    // Recorded for operators (no address stored); the caller sees the same INVALID_CODE either way.
    await insertAudit(
      deps.db,
      auditRow(deps.meta, deps.now(), {
        type: "password_reset.code_failed",
        tenantId: client.tenantId,
        clientId: client.id,
        userId: user?.id ?? null,
        data: { reason: "no_active_code" },
      }),
    ).run();
    throw new AppError("INVALID_CODE");
  }
  const reserved = await reserveCodeAttempt(deps.db, rr.id);
  const match = reserved && (await timingSafeEqualStr(await codeHmac(deps, rr.id, input.code), rr.codeHmac));
  if (!match || !(await markCodeUsed(deps.db, rr.id, deps.now()))) {
    await insertAudit(
      deps.db,
      auditRow(deps.meta, deps.now(), {
        type: "password_reset.code_failed",
        tenantId: rr.tenantId,
        clientId: rr.clientId,
        userId: rr.userId,
        data: {
          resetId: rr.id,
          reason: reserved ? (match ? "already_used" : "wrong_code") : "attempts_exhausted",
          attempts: rr.codeAttempts + 1,
        },
      }),
    ).run();
    throw new AppError("INVALID_CODE");
  }
  return issueResetJwt(deps, rr, user.email);
}
