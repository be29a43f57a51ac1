import { dummyHash, hashPassword, needsRehash, verifyPassword } from "../crypto/password";
import { auditRow, insertAudit } from "../db/audit";
import { findUserByEmail, rehashPassword } from "../db/users";
import type { Deps } from "../deps";
import { normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import { issueSession, type SessionResult } from "./issue-session";
import { resolveClient } from "./resolve-client";
import { emailKey, enforceLimits, ipKey } from "./throttle";

/**
 * Password sign-in. Unknown user, disabled user, no password and wrong password all give the same
 * INVALID_CREDENTIALS after the same hashing work (a random hash is verified for unknown users).
 * A hash made with older parameters is upgraded after a successful sign-in.
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
  const user = await findUserByEmail(deps.db, client.tenantId, email);
  const stored = user?.passwordHash ?? dummyHash(params);
  const ok = (await verifyPassword(input.password, stored, params)) && !!user?.passwordHash && !user.disabled;
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
  // The session is inserted only while `user` still has the hash just verified (a reset committing
  // meanwhile wins), so the upgrade below waits until it is in.
  const session = await issueSession(deps, user, client.id).catch((e: unknown) => {
    audit("sign_in.failed");
    throw e;
  });
  if (needsRehash(stored, params)) {
    deps.defer(
      hashPassword(input.password, params).then((h) => rehashPassword(deps.db, user.id, stored, h, deps.now())),
    );
  }
  audit("sign_in.succeeded");
  return session;
}
