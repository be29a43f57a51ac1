/** What a tenant API key may be allowed to do; each admin route needs one of these. */
export const SCOPES = [
  "users:read",
  "users:write",
  "resets:write",
  "clients:read",
  "clients:write",
  "keys:write",
  "events:read",
  "emails:read",
  "emails:write",
] as const;

export type Scope = (typeof SCOPES)[number];

/** Who made an admin change, as audit events record it (never a secret). */
export type Actor = { type: "root" } | { type: "api_key"; id: string } | { type: "client"; id: string };

/** Who an admin request acts as: the root key (every tenant), a tenant API key or a client's credentials. */
export interface AdminScope {
  root: boolean;
  /** null only for the root key. */
  tenantId: string | null;
  /** The scopes the credential holds: every scope for the root key, none for client credentials. */
  scopes: readonly Scope[];
  /** Basic client credentials: the client they belong to (they act only through it); else null. */
  clientId: string | null;
  actor: Actor;
}

/** True when the credential holds the scope. */
export const hasScope = (scope: AdminScope, wanted: Scope): boolean => scope.scopes.includes(wanted);

/** The scopes stored with a key (a JSON array); anything unknown is dropped, never granted. */
export function parseScopes(json: string): Scope[] {
  try {
    const list: unknown = JSON.parse(json);
    return Array.isArray(list) ? SCOPES.filter((s) => list.includes(s)) : [];
  } catch {
    return [];
  }
}
