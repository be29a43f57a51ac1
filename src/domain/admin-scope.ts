/** Who an admin request acts as: the root key (every tenant) or one tenant. */
export interface AdminScope {
  root: boolean;
  /** null only for the root key. */
  tenantId: string | null;
}
