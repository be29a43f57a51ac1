import { b64, fromB64, utf8 } from "./encoding";

/**
 * Hashes imported from other systems, stored in one canonical PHC form until the user's next
 * sign-in replaces them with ours (src/flows/sign-in.ts rehashes whatever needsRehash flags):
 *   $pbkdf2-sha256$i=<iterations>,l=<bytes>$<salt b64>$<hash b64>   (or $pbkdf2-sha512$)
 * They carry no pepper, so they are only as strong as the system they came from.
 */

/** Production Workers reject more per deriveBits call; above it, pbkdf2Hmac below does the work. */
export const NATIVE_ITERATIONS_LIMIT = 100_000;
/**
 * Imports above this are refused: above 100,000 iterations a verification costs one WebCrypto HMAC
 * per iteration (~1.9 µs SHA-256, ~3 µs SHA-512 in workerd), at each sign-in until the first success.
 * Django's defaults (up to 1,200,000) and Keycloak's (210,000 SHA-512) fit.
 */
export const MAX_IMPORT_ITERATIONS = 2_000_000;

/** The explicit import shape: PBKDF2 parameters as most exports list them. */
export interface Pbkdf2Export {
  algorithm: "pbkdf2-sha256" | "pbkdf2-sha512";
  iterations: number;
  salt: string;
  hash: string;
  /** Encoding of hash (and of salt, unless saltEncoding says otherwise); default base64 (or base64url). */
  encoding?: "base64" | "hex";
  saltEncoding?: "base64" | "hex" | "utf8";
}

type Digest = "SHA-256" | "SHA-512";
interface Legacy {
  digest: Digest;
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

const fromHex = (s: string) =>
  /^([0-9a-fA-F]{2})+$/.test(s) ? Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16)) : null;
const decode = (s: string, enc: "base64" | "hex" | "utf8") =>
  enc === "hex" ? fromHex(s) : enc === "utf8" ? utf8(s) : fromB64(s);
/** passlib's "adapted base64": "." instead of "+". */
const ab64 = (s: string) => fromB64(s.replace(/\./g, "+"));
const digestOf = (name: string): Digest | null =>
  name === "sha256" ? "SHA-256" : name === "sha512" ? "SHA-512" : null;

/** Canonical stored form of an imported hash. */
function canonical(l: Legacy): string {
  return `$pbkdf2-${l.digest === "SHA-256" ? "sha256" : "sha512"}$i=${l.iterations},l=${l.hash.length}$${b64(l.salt)}$${b64(l.hash)}`;
}

/** Reads the canonical form (also the PHC form other libraries write, with or without l=). */
export function parseLegacy(stored: string): Legacy | null {
  const m =
    /^\$pbkdf2-(sha256|sha512)\$i=(\d{1,7})(?:,l=\d{1,3})?\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/.exec(
      stored,
    );
  if (!m) return null;
  const salt = ab64(m[3]!);
  const hash = ab64(m[4]!);
  return salt && hash ? { digest: digestOf(m[1]!)!, iterations: Number(m[2]), salt, hash } : null;
}

function fromString(s: string): Legacy | null {
  const phc = parseLegacy(s);
  if (phc) return phc;
  // passlib: $pbkdf2-sha256$29000$<salt ab64>$<hash ab64>
  let m = /^\$pbkdf2-(sha256|sha512)\$(\d{1,7})\$([A-Za-z0-9./]+)\$([A-Za-z0-9./]+)$/.exec(s);
  if (m) {
    const salt = ab64(m[3]!);
    const hash = ab64(m[4]!);
    return salt && hash ? { digest: digestOf(m[1]!)!, iterations: Number(m[2]), salt, hash } : null;
  }
  // Django: pbkdf2_sha256$870000$<salt as text>$<hash base64>
  m = /^pbkdf2_(sha256|sha512)\$(\d{1,7})\$([^$]+)\$([A-Za-z0-9+/]+={0,2})$/.exec(s);
  if (m) {
    const hash = fromB64(m[4]!);
    return hash ? { digest: digestOf(m[1]!)!, iterations: Number(m[2]), salt: utf8(m[3]!), hash } : null;
  }
  return null;
}

/** Import outcome: the string to store, or a reason code for the errors[] of the response. */
export type ImportedHash =
  | { ok: true; stored: string }
  | { ok: false; code: "UNSUPPORTED_HASH_FORMAT" | "HASH_ITERATIONS_TOO_HIGH" | "FOREIGN_PEPPER"; message: string };

/**
 * Accepts our own PHC string (same pepper only), PHC/passlib/Django PBKDF2 strings or the explicit
 * object, and returns the form to store. More than MAX_IMPORT_ITERATIONS is refused (CPU cost).
 */
export function importHash(input: string | Pbkdf2Export, pepperId: string): ImportedHash {
  if (typeof input === "string" && input.startsWith("$pbkdf2c-sha256$")) {
    return input.includes(`,k=${pepperId}$`)
      ? { ok: true, stored: input }
      : { ok: false, code: "FOREIGN_PEPPER", message: "This resetkit hash was made with another SECRET_KEY." };
  }
  let l: Legacy | null;
  if (typeof input === "string") l = fromString(input);
  else {
    const salt = decode(input.salt, input.saltEncoding ?? input.encoding ?? "base64");
    const hash = decode(input.hash, input.encoding ?? "base64");
    l =
      salt && hash
        ? {
            digest: input.algorithm === "pbkdf2-sha256" ? "SHA-256" : "SHA-512",
            iterations: input.iterations,
            salt,
            hash,
          }
        : null;
  }
  if (!l || l.iterations < 1 || l.salt.length < 1 || l.salt.length > 256 || l.hash.length < 16 || l.hash.length > 128) {
    return {
      ok: false,
      code: "UNSUPPORTED_HASH_FORMAT",
      message: "Not a supported PBKDF2 hash (see the README for the accepted shapes).",
    };
  }
  if (l.iterations > MAX_IMPORT_ITERATIONS) {
    return {
      ok: false,
      code: "HASH_ITERATIONS_TOO_HIGH",
      message: `At most ${MAX_IMPORT_ITERATIONS} iterations can be imported.`,
    };
  }
  return { ok: true, stored: canonical(l) };
}

/**
 * PBKDF2 (RFC 8018 §5.2) built on WebCrypto HMAC, for any iteration count: T_i = U_1 ^ ... ^ U_c with
 * U_1 = HMAC(P, S || INT(i)) and U_j = HMAC(P, U_j-1). One PBKDF2 cannot be split into several
 * deriveBits calls (each block's chain must run in one piece), but its HMACs can be made one by one:
 * no hash is written in JavaScript, and every call yields to the event loop.
 */
export async function pbkdf2Hmac(
  hash: Digest,
  password: Uint8Array<ArrayBuffer>,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", password, { name: "HMAC", hash }, false, ["sign"]);
  const hLen = hash === "SHA-256" ? 32 : 64;
  const out = new Uint8Array(Math.ceil(dkLen / hLen) * hLen);
  for (let block = 1, pos = 0; pos < dkLen; block++, pos += hLen) {
    const first = new Uint8Array(salt.length + 4);
    first.set(salt);
    new DataView(first.buffer).setUint32(salt.length, block);
    let u = new Uint8Array(await crypto.subtle.sign("HMAC", key, first));
    const t = u.slice();
    for (let i = 1; i < iterations; i++) {
      u = new Uint8Array(await crypto.subtle.sign("HMAC", key, u));
      for (let k = 0; k < hLen; k++) t[k]! ^= u[k]!;
    }
    out.set(t, pos);
  }
  return out.slice(0, dkLen);
}

/**
 * Verifies a password against an imported hash, constant-time compare. Up to 100,000 iterations
 * in one deriveBits call; above that with pbkdf2Hmac, so no deriveBits call ever exceeds the
 * production ceiling.
 */
export async function verifyLegacy(password: string, l: Legacy): Promise<boolean> {
  if (l.iterations > MAX_IMPORT_ITERATIONS) return false;
  const pw = utf8(password);
  let derived: Uint8Array;
  if (l.iterations <= NATIVE_ITERATIONS_LIMIT) {
    const key = await crypto.subtle.importKey("raw", pw, "PBKDF2", false, ["deriveBits"]);
    derived = new Uint8Array(
      await crypto.subtle.deriveBits(
        { name: "PBKDF2", hash: l.digest, salt: l.salt, iterations: l.iterations },
        key,
        l.hash.length * 8,
      ),
    );
  } else {
    derived = await pbkdf2Hmac(l.digest, pw, l.salt, l.iterations, l.hash.length);
  }
  return crypto.subtle.timingSafeEqual(derived, l.hash);
}
