import { b64, fromB64, randomBytes, utf8 } from "./encoding";
import { type LegacyWork, padToFloor, parseLegacy, verifyLegacy } from "./legacy-hash";

/**
 * Password hashing: HMAC pepper, then PBKDF2-HMAC-SHA256 chained in calls of at most 100,000
 * iterations (production Workers reject more per deriveBits call), each call keyed by the
 * previous output, so the total work equals rounds × iterations and cannot be parallelised.
 *
 * Stored as a PHC-style string:
 *   $pbkdf2c-sha256$v=1$i=<iterations per call>,r=<rounds>,k=<pepper id>$<salt b64>$<hash b64>
 */

export const SCHEME = "pbkdf2c-sha256";
/** The hard per-call ceiling of production Workers. */
export const MAX_ITERATIONS_PER_CALL = 100_000;
const SALT_BYTES = 16;
const HASH_BITS = 256;

export interface HashParams {
  /** Total PBKDF2 iterations wanted (e.g. 600,000). */
  totalIterations: number;
  pepper: CryptoKey;
  pepperId: string;
}

interface Parsed {
  iterations: number;
  rounds: number;
  pepperId: string;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

/** Splits a total into rounds of at most 100,000 iterations each. */
export function splitIterations(total: number): { iterations: number; rounds: number } {
  const rounds = Math.max(1, Math.ceil(total / MAX_ITERATIONS_PER_CALL));
  return { iterations: Math.ceil(total / rounds), rounds };
}

/** Unicode NFKC, the normalization NIST 800-63B asks for before hashing; no trimming, no truncation. */
export function normalizePassword(password: string): string {
  return password.normalize("NFKC");
}

async function derive(
  password: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  rounds: number,
  pepper: CryptoKey,
) {
  let material = await crypto.subtle.sign("HMAC", pepper, utf8(normalizePassword(password)));
  for (let r = 0; r < rounds; r++) {
    const key = await crypto.subtle.importKey("raw", material, "PBKDF2", false, ["deriveBits"]);
    material = await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, key, HASH_BITS);
  }
  return new Uint8Array(material);
}

/** Hashes a password with fresh salt and the current parameters. */
export async function hashPassword(
  password: string,
  params: HashParams,
  salt = randomBytes(SALT_BYTES),
): Promise<string> {
  const { iterations, rounds } = splitIterations(params.totalIterations);
  const hash = await derive(password, salt, iterations, rounds, params.pepper);
  return `$${SCHEME}$v=1$i=${iterations},r=${rounds},k=${params.pepperId}$${b64(salt)}$${b64(hash)}`;
}

/**
 * Reads our PHC string. Without `params` any well-formed one; with them, only one whose work
 * (iterations × rounds) is at most twice the current parameters': a stored hash can never make
 * a verification run r = 100 rounds (10,000,000 iterations). Twice, so that lowering
 * PASSWORD_HASH_ITERATIONS by up to half keeps older hashes verifiable until they are rehashed.
 */
export function parseHash(stored: string, params?: HashParams): Parsed | null {
  const m =
    /^\$pbkdf2c-sha256\$v=1\$i=(\d{1,6}),r=(\d{1,3}),k=([0-9a-f]{1,64})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
      stored,
    );
  if (!m) return null;
  const iterations = Number(m[1]);
  const rounds = Number(m[2]);
  const salt = fromB64(m[4]!);
  const hash = fromB64(m[5]!);
  if (!salt || !hash || hash.length !== HASH_BITS / 8 || iterations < 1 || iterations > MAX_ITERATIONS_PER_CALL)
    return null;
  if (rounds < 1 || rounds > 100) return null;
  if (params) {
    const want = splitIterations(params.totalIterations);
    if (iterations * rounds > 2 * want.iterations * want.rounds) return null;
  }
  return { iterations, rounds, pepperId: m[3]!, salt, hash };
}

/** True when the stored hash is an imported (foreign) PBKDF2 hash, not ours. */
export const isImportedHash = (stored: string): boolean => parseLegacy(stored) !== null;

/**
 * Verifies in constant time; false for malformed strings, a different pepper or more than twice
 * the current work. Imported PBKDF2 hashes (src/crypto/legacy-hash.ts) are verified as their
 * system made them, then flagged by needsRehash so the next sign-in replaces them.
 */
export async function verifyPassword(password: string, stored: string, params: HashParams): Promise<boolean> {
  const legacy = parseLegacy(stored);
  if (legacy) return verifyLegacy(password, legacy);
  const p = parseHash(stored, params);
  if (!p || p.pepperId !== params.pepperId) {
    // Same work as a real verification, so a malformed or foreign hash is not observable by timing.
    const { iterations, rounds } = splitIterations(params.totalIterations);
    await derive(password, randomBytes(SALT_BYTES), iterations, rounds, params.pepper);
    return false;
  }
  const candidate = await derive(password, p.salt, p.iterations, p.rounds, params.pepper);
  return candidate.length === p.hash.length && crypto.subtle.timingSafeEqual(candidate, p.hash);
}

/**
 * A sign-in's verification: the same work whatever the account holds. An unknown account is
 * checked against a dummy hash; in a tenant that imported foreign hashes (`floor`: the dearest of
 * them) every verification also costs that hash's work, and an imported hash is verified while
 * our own hash of the password is computed (the upgrade, stored after the response on success).
 */
export async function verifyForSignIn(
  password: string,
  stored: string | null,
  params: HashParams,
  floor: LegacyWork | null,
): Promise<{ ok: boolean; upgrade: string | null }> {
  const legacy = stored ? parseLegacy(stored) : null;
  if (legacy) {
    const [ok, ours] = await Promise.all([verifyLegacy(password, legacy, floor), hashPassword(password, params)]);
    return { ok, upgrade: ok ? ours : null };
  }
  const ok = await verifyPassword(password, stored ?? dummyHash(params), params);
  if (floor) await padToFloor(password, floor, 0);
  return { ok, upgrade: null };
}

/** True when the stored hash was made with other parameters than the current ones (rehash on sign-in). */
export function needsRehash(stored: string, params: HashParams): boolean {
  const p = parseHash(stored);
  if (!p) return true;
  const want = splitIterations(params.totalIterations);
  return p.iterations !== want.iterations || p.rounds !== want.rounds || p.pepperId !== params.pepperId;
}

/** A syntactically valid hash that matches no password: verified against for unknown users (equal work). */
export function dummyHash(params: HashParams): string {
  const { iterations, rounds } = splitIterations(params.totalIterations);
  return `$${SCHEME}$v=1$i=${iterations},r=${rounds},k=${params.pepperId}$${b64(randomBytes(SALT_BYTES))}$${b64(randomBytes(32))}`;
}
