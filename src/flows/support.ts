import type { RateLimitBucket } from "../config";
import type { Deps } from "../deps";
import { auditRow, insertAudit } from "../db/audit";
import { findClient, findClientByBusinessId, type Client } from "../db/clients";
import { findResetById, findResetByTokenHash, type ResetRow } from "../db/resets";
import { AppError } from "../domain/errors";
import { verifyToken } from "../crypto/jwt";
import { hmacHex, looksLikeLinkToken, sha256Hex } from "../crypto/tokens";

/** The client named in the body, else by X-Client-Id, else the default one; UNKNOWN_CLIENT otherwise. */
export async function resolveClient(deps: Deps, clientId: string | null | undefined): Promise<Client> {
  const client = await findClient(deps.db, clientId || deps.meta.clientId || deps.config.defaultClientId);
  if (!client) throw new AppError("UNKNOWN_CLIENT", "No client with this clientId.");
  deps.trace.tenantId = client.tenantId;
  deps.trace.clientId = client.id;
  return client;
}

/** The client with this numeric businessId (Nexudus location); absent: as resolveClient. UNKNOWN_CLIENT otherwise. */
export async function resolveBusinessClient(deps: Deps, businessId: number | null | undefined): Promise<Client> {
  if (businessId === null || businessId === undefined) return resolveClient(deps, null);
  const client = await findClientByBusinessId(deps.db, businessId);
  if (!client) throw new AppError("UNKNOWN_CLIENT", "No location with this businessId.");
  return client;
}

/** Counts a hit and throws RATE_LIMITED (with Retry-After) when the bucket is full. */
export async function enforceLimit(deps: Deps, bucket: RateLimitBucket, key: string): Promise<void> {
  return enforceLimits(deps, [[bucket, key]]);
}

/** Counts a hit in every bucket at once (one KV round trip of latency, not one per bucket). */
export async function enforceLimits(deps: Deps, hits: [RateLimitBucket, string][]): Promise<void> {
  const decisions = await Promise.all(hits.map(([bucket, key]) => deps.limiter.hit(bucket, key)));
  const wait = Math.max(0, ...decisions.map((d) => (d.ok ? 0 : d.retryAfterSeconds)));
  if (wait > 0) {
    throw new AppError("RATE_LIMITED", `Too many attempts; retry in ${wait} seconds.`, undefined, { "Retry-After": String(wait) });
  }
}

/** Rate-limit key of the caller's address: CF-Connecting-IP only (X-Forwarded-For is attacker-controlled). */
export const ipKey = (deps: Deps) => deps.meta.ip ?? "unknown";

/** Keyed hash of a normalized email within a tenant: counters never reveal or store the address. */
export async function emailKey(deps: Deps, tenantId: string, email: string): Promise<string> {
  return (await hmacHex(deps.config.keys.lookup, `${tenantId}\n${email}`)).slice(0, 32);
}

/** Cooldown key of reset emails, from an emailKey: a keyed hash, so unknown addresses cool down exactly like known ones. */
export const resetCooldownKey = (hashedEmail: string) => `reset:${hashedEmail}`;

/** Throws EMAIL_COOLDOWN_ACTIVE (with Retry-After = the seconds left) while the key is cooling down. */
export async function enforceCooldown(deps: Deps, key: string): Promise<void> {
  const remaining = await deps.cooldowns.remaining(key);
  if (remaining > 0) {
    throw new AppError("EMAIL_COOLDOWN_ACTIVE", `Wait ${remaining} seconds before asking again.`, undefined, {
      "Retry-After": String(remaining),
    });
  }
}

/** The reset link: built from configuration only (client resetUrl or PUBLIC_BASE_URL), never from Host headers. */
export function buildResetLink(deps: Deps, client: Client, token: string): string {
  const url = new URL(client.resetUrl ?? `${deps.config.publicBaseUrl}/reset-password`);
  url.searchParams.set("token", token);
  return url.toString();
}

/** The hosted "forgot password" page of a client (the "this was not me" button of the changed email). */
export function forgotPasswordUrl(deps: Deps, client: Client): string {
  const url = new URL(`${deps.config.publicBaseUrl}/forgot-password`);
  if (client.id !== deps.config.defaultClientId) url.searchParams.set("client_id", client.id);
  return url.toString();
}

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
    const check = await verifyToken(deps.config.signing, token, deps.config.publicBaseUrl, "reset");
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
export async function auditTokenRefused(deps: Deps, rr: ResetRow | null, code: string, step: "verify" | "complete", detail?: string): Promise<void> {
  const tenantId = rr?.tenantId ?? (await findClient(deps.db, deps.meta.clientId || deps.config.defaultClientId))?.tenantId;
  if (!tenantId) return;
  await insertAudit(deps.db, auditRow(deps.meta, deps.now(), {
    type: "password_reset.token_refused",
    tenantId,
    clientId: rr?.clientId ?? null,
    userId: rr?.userId ?? null,
    data: { reason: code, step, ...(rr ? { resetId: rr.id } : {}), ...(detail ? { detail } : {}) },
  })).run();
}

/** Resolves a link token or a reset JWT to its live reset request, without consuming anything; refusals are audited. */
export async function loadLiveReset(deps: Deps, token: string, step: "verify" | "complete" = "verify"): Promise<ResetRow> {
  let rr: ResetRow | null = null;
  try {
    rr = await findResetForToken(deps, token);
    return assertLive(rr, deps.now());
  } catch (e) {
    if (e instanceof AppError) await auditTokenRefused(deps, rr, e.code, step);
    throw e;
  }
}

/** Password-hash parameters of the current configuration. */
export const hashParams = (deps: Deps) => ({
  totalIterations: deps.config.passwordHashIterations,
  pepper: deps.config.keys.pepper,
  pepperId: deps.config.keys.pepperId,
});
