import type { RateLimitBucket } from "../config";
import type { Deps } from "../deps";
import { findClient, type Client } from "../db/clients";
import { findResetById, findResetByTokenHash, type ResetRow } from "../db/resets";
import { AppError } from "../domain/errors";
import { verifyToken } from "../crypto/jwt";
import { hmacHex, looksLikeLinkToken, sha256Hex } from "../crypto/tokens";

/** The client named in the body, else by X-Client-Id, else the default one; UNKNOWN_CLIENT otherwise. */
export async function resolveClient(deps: Deps, clientId: string | null | undefined): Promise<Client> {
  const client = await findClient(deps.db, clientId || deps.meta.clientId || deps.config.defaultClientId);
  if (!client) throw new AppError("UNKNOWN_CLIENT", "No client with this clientId.");
  return client;
}

/** Counts a hit and throws RATE_LIMITED (with Retry-After) when the bucket is full. */
export async function enforceLimit(deps: Deps, bucket: RateLimitBucket, key: string): Promise<void> {
  const d = await deps.limiter.hit(bucket, key);
  if (!d.ok) {
    throw new AppError("RATE_LIMITED", `Too many attempts; retry in ${d.retryAfterSeconds} seconds.`, undefined, {
      "Retry-After": String(d.retryAfterSeconds),
    });
  }
}

/** Rate-limit key of the caller's address: CF-Connecting-IP only (X-Forwarded-For is attacker-controlled). */
export const ipKey = (deps: Deps) => deps.meta.ip ?? "unknown";

/** Keyed hash of a normalized email within a tenant: counters never reveal or store the address. */
export async function emailKey(deps: Deps, tenantId: string, email: string): Promise<string> {
  return (await hmacHex(deps.config.keys.lookup, `${tenantId}\n${email}`)).slice(0, 32);
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

/** Resolves a link token or a reset JWT to its live reset request, without consuming anything. */
export async function loadLiveReset(deps: Deps, token: string): Promise<ResetRow> {
  if (looksLikeLinkToken(token)) {
    return assertLive(await findResetByTokenHash(deps.db, await sha256Hex(token)), deps.now());
  }
  if (token.split(".").length === 3) {
    const check = await verifyToken(deps.config.signing, token, deps.config.publicBaseUrl, "reset");
    if (!check.ok) throw new AppError(check.reason === "expired" ? "TOKEN_EXPIRED" : "INVALID_TOKEN");
    const rid = check.payload.rid;
    const rr = typeof rid === "string" ? await findResetById(deps.db, rid) : null;
    if (rr && rr.userId !== check.payload.sub) throw new AppError("INVALID_TOKEN");
    return assertLive(rr, deps.now());
  }
  throw new AppError("INVALID_TOKEN");
}

/** Password-hash parameters of the current configuration. */
export const hashParams = (deps: Deps) => ({
  totalIterations: deps.config.passwordHashIterations,
  pepper: deps.config.keys.pepper,
  pepperId: deps.config.keys.pepperId,
});
