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
  const client = byLocation
    ? await findClientByBusinessId(deps.db, businessId)
    : await findClient(deps.db, clientId || deps.meta.clientId || deps.config.defaultClientId);
  if (!client)
    throw new AppError(
      "UNKNOWN_CLIENT",
      byLocation ? "No location with this businessId." : "No client with this clientId.",
    );
  deps.trace.tenantId = client.tenantId;
  deps.trace.clientId = client.id;
  return client;
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
