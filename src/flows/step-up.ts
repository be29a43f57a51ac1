import { open, seal } from "../crypto/envelope";
import { signToken, verifyToken } from "../crypto/jwt";
import { auditRow, insertAudit } from "../db/audit";
import { findResetById, type ResetRow } from "../db/resets";
import type { User } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import type { Client } from "../domain/client";
import { AppError } from "../domain/errors";
import { assertLive } from "./live-reset";

/** A challenge is good for this long: the product's own second-factor check happens meanwhile. */
export const STEP_UP_CHALLENGE_TTL_SECONDS = 600;
/** The proof the product returns is good for this long, and for this one reset only. */
export const STEP_UP_TOKEN_TTL_SECONDS = 300;

const audit = (deps: Deps, rr: Pick<ResetRow, "id" | "tenantId" | "clientId" | "userId">, type: string, data = {}) =>
  insertAudit(
    deps.db,
    auditRow(deps.meta, deps.now(), {
      type,
      tenantId: rr.tenantId,
      clientId: rr.clientId,
      userId: rr.userId,
      data: { resetId: rr.id, ...data },
    }),
  ).run();

/** Verifies a step-up JWT of one kind; its claims name the reset, the user (sub) and the client. */
async function stepUpClaims(deps: Deps, token: string, purpose: "step-up-challenge" | "step-up") {
  const check = await verifyToken(deps.config.signing, token, deps.config.publicBaseUrl, purpose, deps.now());
  if (!check.ok || typeof check.payload.rid !== "string" || typeof check.payload.cid !== "string") return null;
  return { resetId: check.payload.rid, userId: check.payload.sub, clientId: check.payload.cid };
}

const sign = (deps: Deps, purpose: "step-up-challenge" | "step-up", rr: ResetRow, ttlSeconds: number) =>
  signToken(deps.config.signing, {
    issuer: deps.config.publicBaseUrl,
    purpose,
    subject: rr.userId,
    ttlSeconds,
    now: deps.now(),
    claims: { rid: rr.id, cid: rr.clientId },
  });

/** True when completing this reset needs the product's proof: the user has a second factor and the client can check it. */
export const needsStepUp = (user: Pick<User, "mfa">, client: Pick<Client, "stepUp">): boolean =>
  user.mfa && client.stepUp !== null;

/**
 * Before a reset of a user with a second factor completes (OWASP ASVS 6.4.3): without a valid
 * step-up token for this very reset, STEP_UP_REQUIRED (403) with a fresh challenge for the product
 * (nothing is consumed, so the user can come back with the proof). Audited either way.
 */
export async function assertSteppedUp(deps: Deps, rr: ResetRow, stepUpToken: string | null | undefined): Promise<void> {
  if (stepUpToken) {
    if (await isProofFor(deps, rr, stepUpToken)) return;
    await audit(deps, rr, "step_up.refused", { reason: "invalid_step_up_token" });
  } else await audit(deps, rr, "step_up.required");
  const challenge = await sign(deps, "step-up-challenge", rr, STEP_UP_CHALLENGE_TTL_SECONDS);
  throw new AppError("STEP_UP_REQUIRED", undefined, undefined, undefined, { challenge });
}

/** True when `stepUpToken` is a live proof for exactly this reset (its user and client). */
export async function isProofFor(deps: Deps, rr: ResetRow, stepUpToken: string): Promise<boolean> {
  const proof = await stepUpClaims(deps, stepUpToken, "step-up");
  return !!proof && proof.resetId === rr.id && proof.userId === rr.userId && proof.clientId === rr.clientId;
}

/**
 * For the hosted page: where to send the user for the product's check. The challenge and a return
 * address; the reset's own token travels sealed (AES-GCM) in `state`, so the product never sees it.
 */
export async function stepUpRedirect(deps: Deps, client: Client, rr: ResetRow, resetToken: string): Promise<string> {
  const back = new URL("/reset-password/step-up", deps.config.publicBaseUrl);
  back.searchParams.set("state", await seal(deps.config.keys.outbox, resetToken, STATE_AAD));
  const to = new URL(client.stepUp!.url);
  to.searchParams.set("challenge", await sign(deps, "step-up-challenge", rr, STEP_UP_CHALLENGE_TTL_SECONDS));
  to.searchParams.set("return_to", back.toString());
  return to.toString();
}

const STATE_AAD = "step-up-state";

/** The reset token sealed in a return address's `state`, or null when it is not ours. */
export const openStepUpState = (deps: Deps, state: string): Promise<string | null> =>
  open<string>(deps.config.keys.outbox, state, STATE_AAD).catch(() => null);

/**
 * POST /v1/password-resets/step-up: the product, having verified the user's second factor, trades
 * the challenge for a step-up token, with the credentials of the client the reset belongs to. The
 * reset must still be live; the token completes that reset only, within STEP_UP_TOKEN_TTL_SECONDS.
 */
export async function grantStepUp(deps: Deps, scope: AdminScope, challenge: string): Promise<{ stepUpToken: string }> {
  const claims = await stepUpClaims(deps, challenge, "step-up-challenge");
  const rr = claims ? await findResetById(deps.db, claims.resetId) : null;
  if (!claims || !rr || rr.userId !== claims.userId || rr.clientId !== claims.clientId)
    throw new AppError("INVALID_CHALLENGE");
  if (scope.clientId !== rr.clientId) {
    await audit(deps, rr, "step_up.refused", { reason: "other_client" });
    throw new AppError("INSUFFICIENT_SCOPE", "Only the credentials of the reset's client may grant its step-up.");
  }
  try {
    assertLive(rr, deps.now());
  } catch {
    throw new AppError("INVALID_CHALLENGE");
  }
  await audit(deps, rr, "step_up.granted");
  return { stepUpToken: await sign(deps, "step-up", rr, STEP_UP_TOKEN_TTL_SECONDS) };
}
