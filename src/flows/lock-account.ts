import type { SQL } from "drizzle-orm";
import { looksLikeLinkToken, newLinkToken, sha256Hex } from "../crypto/tokens";
import { auditRow } from "../db/audit";
import { findClient } from "../db/clients";
import { guardedInsert } from "../db/guarded";
import { findNotMe, insertNotMe, lockUserRow, NOT_ME, type NotMeRow, notMeUnused, useNotMe } from "../db/locks";
import { invalidateOpenResets } from "../db/resets";
import { auditEvents } from "../db/schema";
import { revokeUserSessions, useUserLoginTokens } from "../db/sessions";
import { findUserById, type User } from "../db/users";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { AppError } from "../domain/errors";
import { composeWebhook } from "../outbox/compose-webhook";
import { enqueue } from "../outbox/enqueue";
import type { DeadCode } from "./live-reset";
import { enforceLimit, ipKey } from "./throttle";

/** A "that wasn't me" link works once, for this long. */
export const NOT_ME_TTL_SECONDS = 7 * 86_400;

/**
 * A new "that wasn't me" link for the user's email, and the statement storing its token (as
 * SHA-256) for the caller's batch (guarded like the rest of it when a guard is given).
 */
export async function mintNotMe(deps: Deps, user: Pick<User, "id" | "tenantId">, clientId: string, guard?: SQL) {
  const token = newLinkToken();
  const now = deps.now();
  const row = {
    id: await sha256Hex(token),
    kind: NOT_ME,
    tenantId: user.tenantId,
    userId: user.id,
    clientId,
    expiresAt: now + NOT_ME_TTL_SECONDS * 1000,
    createdAt: now,
  };
  return { link: `${deps.config.publicBaseUrl}/not-me?token=${token}`, statement: insertNotMe(deps.db, row, guard) };
}

/** A token's row, user and client (each null when unknown) and why it cannot lock (null when it can). */
export interface InspectedNotMe {
  code: DeadCode | null;
  row: NotMeRow | null;
  user: User | null;
  client: Client | null;
}

/** The read-only look at a token (the hosted page's GET: mail scanners fetch links; nothing is written). */
export async function inspectNotMe(deps: Deps, token: string): Promise<InspectedNotMe> {
  const row = looksLikeLinkToken(token) ? await findNotMe(deps.db, await sha256Hex(token)) : null;
  const [user, client] = row
    ? await Promise.all([findUserById(deps.db, row.userId), findClient(deps.db, row.clientId)])
    : [null, null];
  const code =
    !row || !user ? "INVALID_TOKEN" : row.usedAt ? "TOKEN_USED" : row.expiresAt <= deps.now() ? "TOKEN_EXPIRED" : null;
  return { code, row, user, client };
}

/**
 * "That wasn't me": locks the account of a live token, in one D1 batch guarded on the token being
 * unused, whose last statement uses it (of N concurrent submissions exactly one locks; the others
 * get TOKEN_USED). The lock revokes every session and login token, kills every open reset, is
 * audited (account.locked) and announced (webhook user.locked). Password sign-in then answers
 * ACCOUNT_LOCKED until a reset completes or an admin unlocks.
 */
export async function lockAccount(deps: Deps, token: string): Promise<{ userId: string }> {
  await enforceLimit(deps, "completePerIp", ipKey(deps));
  const { code, row, user, client } = await inspectNotMe(deps, token);
  if (code || !row || !user) throw new AppError(code ?? "INVALID_TOKEN");
  const { db } = deps;
  const now = deps.now();
  const guard = notMeUnused(row.id, now);
  const lockedAt = new Date(user.lockedAt ?? now).toISOString();
  const hook = client
    ? await composeWebhook(deps, client, "user.locked", { userId: user.id, email: user.email, lockedAt }, user.id)
    : null;
  const queued = enqueue(deps, [hook], { guard });
  const audit = (type: string, data: Record<string, unknown>) =>
    guardedInsert(
      db,
      auditEvents,
      auditRow(deps.meta, now, { type, tenantId: user.tenantId, clientId: row.clientId, userId: user.id, data }),
      guard,
    );
  const results = await db.batch([
    lockUserRow(db, user.id, now, guard),
    revokeUserSessions(db, user.id, now, guard),
    useUserLoginTokens(db, user.id, now, guard),
    invalidateOpenResets(db, user.id, now, { guard }),
    audit("account.locked", { via: "not_me", sessionsRevoked: true }),
    audit("sessions.revoked", { reason: "account_locked" }),
    ...queued.statements,
    useNotMe(db, row.id, now),
  ]);
  if (results[results.length - 1]!.meta.changes !== 1) throw new AppError("TOKEN_USED");
  queued.send(results);
  return { userId: user.id };
}
