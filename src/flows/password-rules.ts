import { isImportedHash, verifyPassword } from "../crypto/password";
import { auditRow, insertAudit } from "../db/audit";
import { isCommonPassword } from "../db/blocklist";
import { findClient } from "../db/clients";
import { previousHashes } from "../db/password-history";
import type { User } from "../db/users";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { composePolicies, DIALECT_POLICIES, type PolicyAdjust } from "../domain/dialect-policy";
import { AppError, type FieldError } from "../domain/errors";
import { checkPasswordPolicy, DEFAULT_POLICY, effectivePolicy, type PasswordPolicy } from "../domain/password-policy";
import { checkBreached } from "../hibp";

// The password rules of every flow that sets a password (complete, create user, the public check):
// which policy applies where, the lookups the rules need (blocklist, HIBP, history), the verdict.

/** Where a password is being set: the policy and context of one client (or of a tenant without one). */
export interface PolicyScope {
  tenantId: string;
  clientId: string | null;
  policy: PasswordPolicy;
  productName: string | null;
}

/** The policy scope of a client; `adjust` adapts the client's policy (e.g. a dialect's composition rules on top). */
export const clientScope = (client: Client, adjust?: (clientPolicy: PasswordPolicy) => PasswordPolicy): PolicyScope => {
  const policy = effectivePolicy(client.passwordPolicy);
  return {
    tenantId: client.tenantId,
    clientId: client.id,
    policy: adjust ? adjust(policy) : policy,
    productName: client.branding.productName ?? client.name,
  };
};

/**
 * The policy scope of a reset: its client's policy, the rules of the dialect it was started through
 * (they follow the reset, whichever route completes it), then the completing route's own (`adjust`).
 */
export const resetScope = (client: Client, rr: { dialect: string | null }, adjust?: PolicyAdjust): PolicyScope =>
  clientScope(client, composePolicies(rr.dialect ? DIALECT_POLICIES[rr.dialect] : undefined, adjust));

/**
 * The policy for admin-set passwords in a tenant: the named client's (which must belong to the
 * tenant), else the default client's when it is of this tenant, else the NIST defaults.
 */
export async function tenantScope(deps: Deps, tenantId: string, clientId?: string | null): Promise<PolicyScope> {
  const client = await findClient(deps.db, clientId || deps.config.defaultClientId);
  if (client && client.tenantId === tenantId) return clientScope(client);
  if (clientId) throw new AppError("UNKNOWN_CLIENT", "clientId must name a client of the tenant.");
  return { tenantId, clientId: null, policy: DEFAULT_POLICY, productName: null };
}

export interface PasswordCandidate {
  password: string;
  scope: PolicyScope;
  email?: string | null;
  userName?: string | null;
  userId?: string | null;
  /** The public live check: no account, no write of its own, so its audit of an HIBP outage is coalesced. */
  anonymous?: boolean;
  /** The blocklist verdict (isCommonPassword), when the caller looked it up alongside its own reads. */
  common?: boolean;
}

/** An HIBP outage is audited for anonymous checks at most this often per tenant (per isolate). */
const ANONYMOUS_AUDIT_EVERY_MS = 60_000;
/** Per isolate: when each tenant's last anonymous outage event was written, and the checks since. */
const anonymousOutages = new Map<string, { at: number; since: number }>();

/**
 * Every policy rule except reuse: local rules, the D1 blocklist and (when configured) the HIBP range
 * API. A failing HIBP lookup fails open — the password is accepted — and is audited.
 */
export async function passwordProblems(deps: Deps, c: PasswordCandidate): Promise<FieldError[]> {
  const { policy } = c.scope;
  const base = deps.config.hibpApiBaseUrl;
  const [common, breach] = await Promise.all([
    c.common ?? isCommonPassword(deps.db, c.password),
    base && policy.breachCheck ? checkBreached(base, c.password) : Promise.resolve(null),
  ]);
  if (breach?.status === "unavailable") await auditOutage(deps, c, breach.reason);
  return checkPasswordPolicy(c.password, {
    policy,
    common,
    breached: breach?.status === "breached",
    email: c.email,
    userName: c.userName,
    productName: c.scope.productName,
  });
}

/**
 * Audits a failed-open breach check. Setting a password writes anyway, so each one is audited with
 * it; the anonymous live check would otherwise cost a D1 write per request during an outage, so
 * it writes one event per tenant a minute (after the response), counting the checks in between.
 */
async function auditOutage(deps: Deps, c: PasswordCandidate, reason: string): Promise<void> {
  const tenant = c.scope.tenantId;
  const now = deps.now();
  let repeats = 0;
  if (c.anonymous) {
    const last = anonymousOutages.get(tenant);
    if (last && now - last.at < ANONYMOUS_AUDIT_EVERY_MS) {
      last.since++;
      return;
    }
    repeats = last?.since ?? 0;
    anonymousOutages.set(tenant, { at: now, since: 0 });
  }
  const row = insertAudit(
    deps.db,
    auditRow(deps.meta, now, {
      type: "password.breach_check_failed",
      tenantId: tenant,
      clientId: c.scope.clientId,
      userId: c.userId ?? null,
      data: { reason, failOpen: true, ...(c.anonymous ? { anonymous: true, unauditedBefore: repeats } : {}) },
    }),
  );
  if (c.anonymous) deps.defer(row.run());
  else await row.run();
}

/**
 * True when the password is the user's current one or one of the previous historySize-1. Costs one
 * full hash verification per remembered password, so callers run it only once the cheap rules pass.
 * Imported (foreign) hashes are never verified here: each may cost up to the import budget
 * (≈ 1 s of CPU), once per remembered hash, so a password still under one counts as not reused.
 */
export async function isReusedPassword(
  deps: Deps,
  user: User,
  password: string,
  historySize: number,
): Promise<boolean> {
  if (historySize <= 0 || !user.passwordHash) return false;
  const hashes = [user.passwordHash, ...(await previousHashes(deps.db, user.id, historySize - 1))].filter(
    (h) => !isImportedHash(h),
  );
  const matches = await Promise.all(hashes.map((h) => verifyPassword(password, h, deps.config.hashing)));
  return matches.some(Boolean);
}
