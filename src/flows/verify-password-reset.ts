import { signToken } from "../crypto/jwt";
import { newId, timingSafeEqualStr } from "../crypto/tokens";
import { auditRow } from "../db/audit";
import { type Budget, giveBack, type TakenUnit, takenBy, takeUnit } from "../db/budgets";
import { guardedInsert } from "../db/guarded";
import { onlyWhen } from "../db/raw";
import {
  type CodeAttempt,
  codeBudgetOf,
  codeLookup,
  markCodeUsed,
  type ResetRow,
  spendCodeAttempt,
} from "../db/resets";
import { auditEvents } from "../db/schema";
import { findUserById } from "../db/users";
import type { Deps } from "../deps";
import { maskEmail, normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { auditTokenRefused, loadLiveReset } from "./live-reset";
import { resolveClient } from "./resolve-client";
import { codeHmac } from "./start-reset";
import { emailKey, enforceLimit, ipKey } from "./throttle";

/** Reset JWTs live at most this long (and never beyond their request). */
export const RESET_JWT_TTL_SECONDS = 600;

export type VerifyInput = { token: string } | { email: string; code: string; clientId?: string | null };

export interface VerifyResult {
  resetToken: string;
  email: string;
  expiresAt: string;
}

async function issueResetJwt(
  deps: Deps,
  rr: Pick<ResetRow, "id" | "userId" | "tenantId" | "clientId" | "expiresAt">,
  email: string,
): Promise<VerifyResult> {
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

/** The window of an account's wrong-code budget (the client's codeBudget per this many seconds). */
export const CODE_BUDGET_WINDOW_SECONDS = 86_400;

/**
 * Checks a link token (never consuming it: mail scanners may call this freely) or trades a
 * correct 6-digit code for a short-lived reset JWT. Every code failure is the same INVALID_CODE,
 * whether the account exists or not; after 5 wrong codes the code is dead, and after the client's
 * codeBudget wrong codes in 24 hours (the client that sent its live code) every code of the account is
 * (link tokens still work).
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
  return verifyCode(deps, input);
}

/**
 * The code path does the same database work whatever the account's state (unknown, disabled, no
 * code, wrong code, budget spent, right code): the answer time must not tell accounts apart, and a
 * D1 round trip to the primary is tens of milliseconds from far locations. Two batches, always the
 * same statements: (1) take a unit of the account's wrong-code budget, spend an attempt of its live
 * code (only if the unit was taken) and look the account up; then compare in constant time; (2)
 * mark a right code used and give its unit back, or audit the failure. Parameters alone differ.
 */
async function verifyCode(deps: Deps, input: { email: string; code: string; clientId?: string | null }) {
  const client = await resolveClient(deps, input.clientId);
  const email = normalizeEmail(input.email);
  const { db } = deps;
  const now = deps.now();
  const nonce = newId();
  const budget: Budget = {
    key: `code:${await emailKey(deps, client.tenantId, email)}`,
    // The client that sent the account's live code sets the limit, whichever client is named here.
    limit: codeBudgetOf(client.tenantId, email, now, client.codeBudget),
    windowMs: CODE_BUDGET_WINDOW_SECONDS * 1000,
  };
  const [taken, spent, found] = await db.batch([
    takeUnit(db, budget, now, nonce),
    spendCodeAttempt(db, client.tenantId, email, now, takenBy(budget.key, nonce)),
    codeLookup(db, client.tenantId, email, now),
  ]);
  const unit = (taken as TakenUnit[])[0];
  const rr = (spent as CodeAttempt[])[0];
  const lookup = (found as { user_id: string | null; reset_id: string | null }[])[0];
  // The same CPU work too: an HMAC and a constant-time comparison, against a stand-in when there is no code.
  const given = await codeHmac(deps, rr?.id ?? "-", input.code);
  const match = (await timingSafeEqualStr(given, rr?.code_hmac ?? "-".repeat(given.length))) && !!rr;
  const reason = !unit
    ? "budget_exhausted"
    : rr
      ? "wrong_code"
      : lookup?.reset_id
        ? "attempts_exhausted"
        : "no_active_code";
  // The wrong code that spends the last unit is the one recorded as exhausting the budget.
  const exhausted = !match && !!unit && unit.count >= unit.limit;
  const [used] = await db.batch([
    markCodeUsed(db, match ? rr.id : "", now),
    giveBack(db, budget.key, unit?.window_ends_at ?? 0, match ? 1 : 0),
    // Recorded for operators (no address stored); written unless the code was right.
    guardedInsert(
      db,
      auditEvents,
      auditRow(deps.meta, now, {
        type: exhausted ? "password_reset.code_budget_exhausted" : "password_reset.code_failed",
        tenantId: rr?.tenant_id ?? client.tenantId,
        clientId: rr?.client_id ?? client.id,
        userId: rr?.user_id ?? lookup?.user_id ?? null,
        data: {
          reason,
          ...(rr ? { resetId: rr.id, attempts: rr.code_attempts } : {}),
          ...(exhausted ? { wrongCodes: unit.count, window: "24h" } : {}),
        },
      }),
      onlyWhen(!match),
    ),
  ]);
  if (!match || used.meta.changes !== 1) throw new AppError("INVALID_CODE");
  return issueResetJwt(
    deps,
    { id: rr.id, userId: rr.user_id, tenantId: rr.tenant_id, clientId: rr.client_id, expiresAt: rr.expires_at },
    email,
  );
}
