import { findClient, findClientByBusinessId } from "../db/clients";
import type { Deps } from "../deps";
import { type Client, isAllowedRedirect } from "../domain/client";
import { AppError } from "../domain/errors";

/**
 * The client a request is for: the one with this numeric `businessId` (a Nexudus location) when one
 * is given, else the one named in the body, else by X-Client-Id, else the default one. UNKNOWN_CLIENT otherwise.
 */
export async function resolveClient(
  deps: Deps,
  clientId: string | null | undefined,
  businessId?: number | null,
): Promise<Client> {
  const byLocation = businessId !== null && businessId !== undefined;
  // Configuration, not state: read where it is nearest (a replica may lag by its delay).
  const client = byLocation
    ? await findClientByBusinessId(deps.replica, businessId)
    : await findClient(deps.replica, clientId || deps.meta.clientId || deps.config.defaultClientId);
  if (!client)
    throw new AppError(
      "UNKNOWN_CLIENT",
      byLocation ? "No location with this businessId." : "No client with this clientId.",
    );
  deps.trace.tenantId = client.tenantId;
  deps.trace.clientId = client.id;
  return client;
}

/**
 * Clients as this isolate last saw them, for the request endpoint and sign-in only. The request
 * endpoint's answer needs nothing but the tenant and the redirect allowlist, so it answers without
 * a D1 round trip; safe because nothing sent is decided from it: the background work re-reads the
 * client in its one batch (`rememberClient` refreshes this cache, `forgetClient` drops a deleted or
 * changed one) and sends nothing the fresh row does not allow. Sign-in needs the tenant and the id,
 * which never change, and its session insert requires the client to exist (src/db/sessions.ts).
 * Another isolate's change is seen within CLIENT_CACHE_MS.
 */
const clientCache = new Map<string, { client: Client; at: number }>();
export const CLIENT_CACHE_MS = 30_000;
const CLIENT_CACHE_MAX = 500;
const cacheKey = (clientId: string | null | undefined, businessId?: number | null) =>
  businessId !== null && businessId !== undefined ? `b:${businessId}` : `c:${clientId ?? ""}`;

/** resolveClient through this isolate's cache (misses, and entries older than CLIENT_CACHE_MS, read D1). */
export async function resolveClientCached(
  deps: Deps,
  clientId: string | null | undefined,
  businessId?: number | null,
): Promise<Client> {
  const key = cacheKey(clientId || deps.meta.clientId || deps.config.defaultClientId, businessId);
  const hit = clientCache.get(key);
  const now = Date.now();
  if (hit && now - hit.at < CLIENT_CACHE_MS && now >= hit.at) {
    deps.trace.tenantId = hit.client.tenantId;
    deps.trace.clientId = hit.client.id;
    return hit.client;
  }
  const client = await resolveClient(deps, clientId, businessId);
  rememberClient(client, key);
  return client;
}

/** Stores a freshly read client (under its id, and under `key` when it was found another way). */
export function rememberClient(client: Client, key?: string): void {
  if (clientCache.size >= CLIENT_CACHE_MAX) clientCache.delete(clientCache.keys().next().value!);
  const entry = { client, at: Date.now() };
  clientCache.set(cacheKey(client.id), entry);
  if (key) clientCache.set(key, entry);
  if (client.businessId !== null) clientCache.set(cacheKey(null, client.businessId), entry);
}

/** Drops a client from this isolate's cache (it was changed or deleted here, or found gone). */
export function forgetClient(id: string): void {
  for (const [k, v] of clientCache) if (v.client.id === id) clientCache.delete(k);
}

/** Throws REDIRECT_URI_NOT_ALLOWED unless the URI is exactly one of the client's (`field` names it in the detail). */
export function assertRedirectAllowed(client: Client, uri: string | null | undefined, field = "redirectUri"): void {
  if (uri && !isAllowedRedirect(client, uri)) {
    throw new AppError("REDIRECT_URI_NOT_ALLOWED", `${field} must exactly match one of the client's redirect URIs.`);
  }
}

/**
 * The client a hosted-page journey runs for, and its redirect URI only if it is on that client's
 * allowlist (exact match): anything else is refused before a single email is sent.
 */
export async function resolveJourney(
  deps: Deps,
  clientId: string | undefined,
  redirectUri: string | undefined,
): Promise<{ client: Client; redirectUri: string | null }> {
  const client = await resolveClient(deps, clientId || null);
  assertRedirectAllowed(client, redirectUri, "redirect_uri");
  return { client, redirectUri: redirectUri || null };
}
