import { importLegacy, type LegacyWork, type Pbkdf2Export } from "./legacy-hash";
import { type HashParams, parseHash, SCHEME, splitIterations } from "./password";

export type { Pbkdf2Export };

/** Import outcome: the string to store (and, for a foreign hash, its verification work), or a reason code. */
export type ImportedHash =
  | { ok: true; stored: string; work: LegacyWork | null }
  | {
      ok: false;
      code: "UNSUPPORTED_HASH_FORMAT" | "HASH_ITERATIONS_TOO_HIGH" | "FOREIGN_PEPPER" | "HASH_PARAMETERS_NOT_CURRENT";
      message: string;
    };

/**
 * Accepts our own PHC string — read by the real parser, made with this deployment's pepper and
 * exactly its current parameters, so that it costs what every other sign-in costs — or a foreign
 * PBKDF2 hash within the CPU budget of one verification (src/crypto/legacy-hash.ts).
 */
export function importHash(input: string | Pbkdf2Export, params: HashParams): ImportedHash {
  if (typeof input !== "string" || !input.startsWith(`$${SCHEME}$`)) return importLegacy(input);
  const p = parseHash(input);
  if (!p) return { ok: false, code: "UNSUPPORTED_HASH_FORMAT", message: "Not a well-formed resetkit password hash." };
  if (p.pepperId !== params.pepperId)
    return { ok: false, code: "FOREIGN_PEPPER", message: "This resetkit hash was made with another SECRET_KEY." };
  const want = splitIterations(params.totalIterations);
  if (p.iterations !== want.iterations || p.rounds !== want.rounds) {
    return {
      ok: false,
      code: "HASH_PARAMETERS_NOT_CURRENT",
      message: `This resetkit hash was made with other parameters than i=${want.iterations},r=${want.rounds} (PASSWORD_HASH_ITERATIONS).`,
    };
  }
  return { ok: true, stored: input, work: null };
}
