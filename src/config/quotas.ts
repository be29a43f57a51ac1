import { ConfigError } from "./errors";

/** What one tenant may hold in the shared D1 (TENANT_QUOTAS keys). */
export interface TenantQuotas {
  users: number;
  clients: number;
  /** Live (not revoked) API keys. */
  apiKeys: number;
  /** POST /v1/users/import calls per 24 hours (each up to 1,000 users). */
  importsPerDay: number;
}

/**
 * Defaults for a deployment shared by several products: 100,000 users is ~100 MB of D1 with their
 * sessions, resets and audit trail (a tenant cannot fill the 10 GB database alone), 50 imports a
 * day is 50,000 users; clients and keys are configuration, a few dozen at most.
 */
export const DEFAULT_QUOTAS: TenantQuotas = { users: 100_000, clients: 50, apiKeys: 25, importsPerDay: 50 };

/** TENANT_QUOTAS (JSON object of quota -> whole number) merged onto the defaults; unknown names are an error. */
export function parseTenantQuotas(raw: string | undefined): TenantQuotas {
  let given: unknown = {};
  if (raw && raw.trim() !== "") {
    try {
      given = JSON.parse(raw);
    } catch {
      throw new ConfigError("TENANT_QUOTAS is not valid JSON");
    }
  }
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError("TENANT_QUOTAS must be a JSON object of quota -> whole number");
  const out = { ...DEFAULT_QUOTAS };
  for (const [name, value] of Object.entries(given)) {
    if (!(name in DEFAULT_QUOTAS))
      throw new ConfigError(
        `TENANT_QUOTAS has an unknown quota "${name}" (known: ${Object.keys(DEFAULT_QUOTAS).join(", ")})`,
      );
    if (!Number.isInteger(value) || (value as number) < 0 || (value as number) > 100_000_000)
      throw new ConfigError(`TENANT_QUOTAS.${name} must be a whole number from 0 to 100000000`);
    out[name as keyof TenantQuotas] = value as number;
  }
  return out;
}
