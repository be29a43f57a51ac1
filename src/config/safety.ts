import { ConfigError } from "./errors";

// What production refuses to start with (parseConfig throws, so every request answers 500
// CONFIGURATION_ERROR naming the variable, and the log line says which): settings that work but
// quietly make the deployment unsafe. Development and preview keep their local conveniences.

/** OWASP's PBKDF2-HMAC-SHA256 minimum (Password Storage Cheat Sheet, 2023). */
export const OWASP_MIN_ITERATIONS = 600_000;

const LOCAL_HOST = /^(localhost|.+\.localhost|127(\.\d{1,3}){3}|0\.0\.0\.0|\[::1?\]|\[::ffff:127(\.\d{1,3}){3}\])$/i;

/** Words of placeholders and published examples (vitest.config.ts's test keys, "changeme", ...). */
const PLACEHOLDER = /test|example|changeme|change-me|password|secret|default|sample|dummy|placeholder|xxxx/i;

/** Why a secret is weak (a value anyone could guess or find in this repository), or null. */
export function secretWeakness(value: string): string | null {
  if (PLACEHOLDER.test(value)) return "it contains a placeholder word";
  if (new Set(value).size < 10) return "it has fewer than 10 distinct characters";
  if (/^(.{1,16}?)\1+$/.test(value)) return "it repeats a short pattern";
  return null;
}

/** Throws ConfigError naming the first unsafe production setting (never its value). */
export function assertSafeForProduction(v: {
  publicBaseUrl: string;
  iterations: number;
  allowLowIterations: boolean;
  adminApiKey: string;
  secretKey: string;
}): void {
  const url = new URL(v.publicBaseUrl);
  if (url.protocol !== "https:")
    throw new ConfigError("PUBLIC_BASE_URL must be https in production (reset links travel in emails)");
  if (LOCAL_HOST.test(url.hostname))
    throw new ConfigError("PUBLIC_BASE_URL must not be a localhost address in production (links would be dead)");
  if (v.iterations < OWASP_MIN_ITERATIONS && !v.allowLowIterations) {
    throw new ConfigError(
      `PASSWORD_HASH_ITERATIONS is below OWASP's ${OWASP_MIN_ITERATIONS} for production (set ALLOW_LOW_HASH_ITERATIONS=true to accept it)`,
    );
  }
  for (const [name, value] of [
    ["ADMIN_API_KEY", v.adminApiKey],
    ["SECRET_KEY", v.secretKey],
  ] as const) {
    const why = secretWeakness(value);
    if (why)
      throw new ConfigError(
        `secret ${name} is too weak for production: ${why} (generate a random one, see the README)`,
      );
  }
  if (v.adminApiKey === v.secretKey) throw new ConfigError("secret ADMIN_API_KEY must differ from SECRET_KEY");
}
