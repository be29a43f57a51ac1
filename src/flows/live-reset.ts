import { verifyToken } from "../crypto/jwt";
import { looksLikeLinkToken, sha256Hex } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { findClient } from "../db/clients";
import { findResetById, findResetByTokenHash, type ResetRow } from "../db/resets";
import { findUserById, type User } from "../db/users";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { AppError } from "../domain/errors";

// A reset token is a link token (43 base64url characters, stored as SHA-256) or a reset JWT (from
// a correct code, naming its reset). Nothing here consumes anything: completion does, in one batch.

/** The codes of a token that can no longer be used. */
export type DeadCode = "TOKEN_EXPIRED" | "TOKEN_USED" | "INVALID_TOKEN";

/** True for an AppError saying a token is dead (expired, used or never valid). */
export const isDeadToken = (e: unknown): e is AppError & { code: DeadCode } =>
  e instanceof AppError && (e.code === "TOKEN_EXPIRED" || e.code === "TOKEN_USED" || e.code === "INVALID_TOKEN");

/** Throws the reason a request can no longer be used, or returns it when it is live. */
export function assertLive(rr: ResetRow | null, now: number): ResetRow {
  if (!rr) throw new AppError("INVALID_TOKEN");
  if (rr.consumedAt !== null || rr.invalidatedAt !== null) throw new AppError("TOKEN_USED");
  if (rr.expiresAt <= now) throw new AppError("TOKEN_EXPIRED");
  return rr;
}

async function findResetForToken(deps: Deps, token: string): Promise<ResetRow | null> {
  if (looksLikeLinkToken(token)) return findResetByTokenHash(deps.db, await sha256Hex(token));
  if (token.split(".").length === 3) {
    const check = await verifyToken(deps.config.signing, token, deps.config.publicBaseUrl, "reset", deps.now());
    if (!check.ok) throw new AppError(check.reason === "expired" ? "TOKEN_EXPIRED" : "INVALID_TOKEN");
    const rid = check.payload.rid;
    const rr = typeof rid === "string" ? await findResetById(deps.db, rid) : null;
    if (rr && rr.userId !== check.payload.sub) throw new AppError("INVALID_TOKEN");
    return rr;
  }
  throw new AppError("INVALID_TOKEN");
}

/**
 * Audits a refused token with the reason (never the token). An unknown token is attributed to the
 * tenant of the client the request named (or the default client).
 */
export async function auditTokenRefused(
  deps: Deps,
  rr: ResetRow | null,
  code: string,
  step: "verify" | "complete",
  detail?: string,
): Promise<void> {
  const tenantId =
    rr?.tenantId ?? (await findClient(deps.db, deps.meta.clientId || deps.config.defaultClientId))?.tenantId;
  if (!tenantId) return;
  await insertAudit(
    deps.db,
    auditRow(deps.meta, deps.now(), {
      type: "password_reset.token_refused",
      tenantId,
      clientId: rr?.clientId ?? null,
      userId: rr?.userId ?? null,
      data: { reason: code, step, ...(rr ? { resetId: rr.id } : {}), ...(detail ? { detail } : {}) },
    }),
  ).run();
}

/** Resolves a link token or a reset JWT to its live reset request, without consuming anything; refusals are audited. */
export async function loadLiveReset(
  deps: Deps,
  token: string,
  step: "verify" | "complete" = "verify",
): Promise<ResetRow> {
  let rr: ResetRow | null = null;
  try {
    rr = await findResetForToken(deps, token);
    return assertLive(rr, deps.now());
  } catch (e) {
    if (e instanceof AppError) await auditTokenRefused(deps, rr, e.code, step);
    throw e;
  }
}

/** A live reset with its user and client, or why it is dead (with its client when the row exists). */
export type InspectedReset =
  | { ok: true; rr: ResetRow; user: User; client: Client }
  | { ok: false; code: DeadCode; client: Client | null; rr: ResetRow | null };

/**
 * The read-only look at a token the hosted pages take. GET/HEAD of an emailed link (mail scanners,
 * link previews) and of a junk URL must never change anything, and an anonymous refusal must not
 * cost a D1 write each: nothing is audited here (the request's log line carries the outcome). The
 * API's verify and complete steps audit their refusals through loadLiveReset.
 */
export async function inspectReset(deps: Deps, token: string): Promise<InspectedReset> {
  let found: ResetRow | null = null;
  let rr: ResetRow;
  try {
    found = await findResetForToken(deps, token);
    rr = assertLive(found, deps.now());
  } catch (e) {
    if (!isDeadToken(e)) throw e;
    return { ok: false, code: e.code, client: found ? await findClient(deps.db, found.clientId) : null, rr: found };
  }
  const [user, client] = await Promise.all([findUserById(deps.db, rr.userId), findClient(deps.db, rr.clientId)]);
  if (!user || user.disabled || !client) return { ok: false, code: "INVALID_TOKEN", client, rr };
  return { ok: true, rr, user, client };
}
