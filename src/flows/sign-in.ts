import { hashPassword, needsRehash, verifyForSignIn } from "../crypto/password";
import { auditRow, insertAudit } from "../db/audit";
import { findLegacyFloor } from "../db/tenants";
import { findUserByEmail, rehashPassword } from "../db/users";
import type { Deps } from "../deps";
import { normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { issueSession, type SessionResult } from "./issue-session";
import { resolveClient } from "./resolve-client";
import { emailKey, enforceLimits, ipKey } from "./throttle";

/**
 * Password sign-in. Unknown user, disabled user, no password and wrong password all give the same
 * INVALID_CREDENTIALS after the same hashing work (a random hash is verified for unknown users;
 * in a tenant that imported foreign hashes, every sign-in also costs its dearest one, so an
 * imported account's first sign-in is not slower than the others). A hash made with older
 * parameters, or imported, is upgraded after the response of a successful sign-in.
 */
export async function signIn(
  deps: Deps,
  input: { email: string; password: string; clientId?: string | null; businessId?: number | null },
): Promise<SessionResult> {
  const client = await resolveClient(deps, input.clientId, input.businessId);
  const email = normalizeEmail(input.email);
  await enforceLimits(deps, [
    ["signInPerIp", ipKey(deps)],
    ["signInPerAccount", await emailKey(deps, client.tenantId, email)],
  ]);
  const params = deps.config.hashing;
  const [user, floor] = await Promise.all([
    findUserByEmail(deps.db, client.tenantId, email),
    findLegacyFloor(deps.db, client.tenantId),
  ]);
  const stored = user?.passwordHash ?? null;
  const verdict = await verifyForSignIn(input.password, stored, params, floor);
  const ok = verdict.ok && !!user?.passwordHash && !user.disabled;
  // Audit rows are written after the response: no D1 round trip on the sign-in path for them.
  const audit = (type: string) =>
    deps.defer(
      insertAudit(
        deps.db,
        auditRow(deps.meta, deps.now(), {
          type,
          tenantId: client.tenantId,
          clientId: client.id,
          userId: user?.id ?? null,
        }),
      ).run(),
    );
  if (!ok || !user) {
    audit("sign_in.failed");
    throw new AppError("INVALID_CREDENTIALS");
  }
  const current = user.passwordHash!;
  if (verdict.upgrade) deps.defer(rehashPassword(deps.db, user.id, current, verdict.upgrade, deps.now()));
  else if (needsRehash(current, params)) {
    deps.defer(
      hashPassword(input.password, params).then((h) => rehashPassword(deps.db, user.id, current, h, deps.now())),
    );
  }
  audit("sign_in.succeeded");
  return issueSession(deps, user, client.id);
}
