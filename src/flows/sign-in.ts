import type { LegacyWork } from "../crypto/legacy-hash";
import { hashPassword, needsRehash, verifyForSignIn } from "../crypto/password";
import { newId } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import {
  type Budget,
  giveBack,
  readWindows,
  secondsLeft,
  type TakenUnit,
  takenBy,
  takeUnit,
  undoUnless,
} from "../db/budgets";
import { legacyFloor, legacyFloorRow } from "../db/tenants";
import { rehashPassword, type User, userByEmail } from "../db/users";
import { afterResponse, type Deps } from "../deps";
import { normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { issueSession, type SessionResult } from "./issue-session";
import { resolveClientCached } from "./resolve-client";
import { emailKey, enforceLimit, ipKey, signInBudgetKey, throwIfLimited } from "./throttle";

/**
 * Takes one unit of both sign-in budgets in one D1 round trip (one batch, atomic): the account's
 * (every network) and the account's on this network, or neither. The user and the tenant's
 * legacy floor are read in the same trip. Throws RATE_LIMITED with Retry-After when either is
 * spent: no password is checked then.
 */
async function takeSignInUnit(
  deps: Deps,
  tenantId: string,
  email: string,
): Promise<{ user: User | null; floor: LegacyWork | null; refund: () => Promise<unknown> }> {
  const { db } = deps;
  const rules = deps.config.rateLimits;
  const hashed = await emailKey(deps, tenantId, email);
  const account: Budget = {
    key: signInBudgetKey(hashed),
    limit: rules.signInPerAccountTotal.limit,
    windowMs: rules.signInPerAccountTotal.windowSeconds * 1000,
  };
  const network: Budget = {
    key: `${account.key}:${ipKey(deps)}`,
    limit: rules.signInPerAccount.limit,
    windowMs: rules.signInPerAccount.windowSeconds * 1000,
  };
  const now = deps.now();
  const nonce = newId();
  const [a, n, , windows, users, floorRows] = await db.batch([
    takeUnit(db, account, now, nonce),
    takeUnit(db, network, now, nonce, takenBy(account.key, nonce)),
    // The account's unit goes back when this network's share was spent.
    undoUnless(db, account.key, nonce, takenBy(network.key, nonce)),
    readWindows(db, [account.key, network.key]),
    userByEmail(db, tenantId, email),
    legacyFloorRow(db, tenantId),
  ]);
  const [takenA, takenN] = [(a as TakenUnit[])[0], (n as TakenUnit[])[0]];
  if (!takenA || !takenN) {
    const spent = windows.find((w) => w.key === (takenA ? network.key : account.key));
    throwIfLimited([secondsLeft(spent?.window_ends_at ?? now, now)]);
  }
  return {
    user: users[0] ?? null,
    floor: legacyFloor(floorRows),
    // Only failures count: a right password gives both units back.
    refund: () =>
      db.batch([
        giveBack(db, account.key, takenA!.window_ends_at, 1),
        giveBack(db, network.key, takenN!.window_ends_at, 1),
      ]),
  };
}

/**
 * Password sign-in. Unknown user, disabled user, no password and wrong password all give the same
 * INVALID_CREDENTIALS after the same hashing work (a random hash is verified for unknown users;
 * in a tenant that imported foreign hashes, every sign-in also costs its dearest one, so an
 * imported account's first sign-in is not slower than the others). Failures are budgeted per
 * (account, network) and per account in D1, taken before the password is checked, so parallel
 * guesses cannot exceed them (unknown accounts alike). A hash made with older parameters, or
 * imported, is upgraded after the response of a successful sign-in. The right password of a locked
 * account answers ACCOUNT_LOCKED (423), of an account flagged for a forced reset
 * PASSWORD_RESET_REQUIRED (403); both end when a reset completes (src/db/users.ts setPassword).
 */
export async function signIn(
  deps: Deps,
  input: { email: string; password: string; clientId?: string | null; businessId?: number | null },
): Promise<SessionResult> {
  // From the isolate's cache: sign-in needs the client's tenant and id only, and the session is
  // inserted only while the client still exists (a client deleted in another isolate since it was
  // cached answers INVALID_CREDENTIALS, and no session is made).
  const client = await resolveClientCached(deps, input.clientId, input.businessId);
  const email = normalizeEmail(input.email);
  await enforceLimit(deps, "signInPerIp", ipKey(deps));
  const { user, floor, refund } = await takeSignInUnit(deps, client.tenantId, email);
  const params = deps.config.hashing;
  const verdict = await verifyForSignIn(input.password, user?.passwordHash ?? null, params, floor);
  const ok = verdict.ok && !!user?.passwordHash && !user.disabled;
  // Audit rows are written after the response: no D1 round trip on the sign-in path for them.
  const audit = (type: string) => {
    const row = auditRow(deps.meta, deps.now(), {
      type,
      tenantId: client.tenantId,
      clientId: client.id,
      userId: user?.id ?? null,
    });
    afterResponse(deps, () => insertAudit(deps.db, row).run());
  };
  if (!ok || !user) {
    audit("sign_in.failed");
    throw new AppError("INVALID_CREDENTIALS");
  }
  // Told only to someone who knows the password: a wrong one answers INVALID_CREDENTIALS as always,
  // so the state of an account is never a way to learn it exists. The right password is not a
  // failure: its units go back.
  const held = user.lockedAt !== null ? "ACCOUNT_LOCKED" : user.mustResetPassword ? "PASSWORD_RESET_REQUIRED" : null;
  if (held) {
    audit(held === "ACCOUNT_LOCKED" ? "sign_in.refused_locked" : "sign_in.refused_reset_required");
    afterResponse(deps, refund);
    throw new AppError(held);
  }
  // The session is inserted only while `user` still has the hash just verified (a reset committing
  // meanwhile wins), so the upgrade below waits until it is in.
  const session = await issueSession(deps, user, client.id).catch((e: unknown) => {
    audit("sign_in.failed");
    throw e;
  });
  const current = user.passwordHash!;
  const upgrade = verdict.upgrade;
  if (upgrade) afterResponse(deps, () => rehashPassword(deps.db, user.id, current, upgrade, deps.now()));
  else if (needsRehash(current, params)) {
    afterResponse(deps, () =>
      hashPassword(input.password, params).then((h) => rehashPassword(deps.db, user.id, current, h, deps.now())),
    );
  }
  afterResponse(deps, refund);
  audit("sign_in.succeeded");
  return session;
}
