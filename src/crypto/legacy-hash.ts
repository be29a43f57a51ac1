import { b64, fromB64, randomBytes, utf8 } from "./encoding";

/**
 * Hashes imported from other systems, stored in one canonical PHC form until the user's next
 * sign-in replaces them with ours (src/flows/sign-in.ts):
 *   $pbkdf2-sha256$i=<iterations>,l=<bytes>$<salt b64>$<hash b64>   (or $pbkdf2-sha512$)
 * They carry no pepper, so they are only as strong as the system they came from.
 */

/** Production Workers reject more per deriveBits call; above it, pbkdf2Hmac below does the work. */
export const NATIVE_ITERATIONS_LIMIT = 100_000;

export type Digest = "SHA-256" | "SHA-512";

/**
 * CPU per PBKDF2 iteration (per block) in workerd, in nanoseconds, as `npm run bench:hash`
 * measured them on the 2-core AMD EPYC development machine: native deriveBits, and pbkdf2Hmac
 * (one WebCrypto HMAC per iteration, for counts above the per-call ceiling). Used to bound and to
 * equalize work, so only their ratios matter on other hardware.
 */
export const NS_PER_ITERATION = {
  native: { "SHA-256": 153, "SHA-512": 406 },
  hmac: { "SHA-256": 1881, "SHA-512": 2430 },
} as const;

/**
 * The CPU one verification of an imported hash may cost: OWASP's PBKDF2-HMAC-SHA256
 * recommendation (600,000 iterations) through pbkdf2Hmac, ≈ 1.13 s here, about 12 sign-ins with our
 * own hash. Imports above it are refused: SHA-256 up to 600,000 iterations per 32-byte block,
 * SHA-512 up to 464,444 per 64-byte block (Django ≤ 4.2, Keycloak's 210,000 and passlib fit).
 */
export const VERIFY_BUDGET_NS = 600_000 * NS_PER_ITERATION.hmac["SHA-256"];

/**
 * Iterations of pbkdf2Hmac between two yields to the event loop (≈ 19 ms of CPU here): other
 * requests of the isolate run meanwhile. A yield is a setTimeout(0), ≈ 1.2 ms of wall time in
 * workerd (nothing quicker lets timers and I/O in: a MessageChannel does not), so not more often.
 */
const YIELD_EVERY = 10_000;

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

/** A parsed imported hash. */
export interface Legacy {
  digest: Digest;
  iterations: number;
  salt: Uint8Array<ArrayBuffer>;
  hash: Uint8Array<ArrayBuffer>;
}

/** What verifying one imported hash costs: the PBKDF2 parameters that set its CPU time. */
export interface LegacyWork {
  digest: Digest;
  iterations: number;
  /** PBKDF2 blocks: ceil(key length / digest length); each runs the whole iteration chain. */
  blocks: number;
}

const hLen = (d: Digest) => (d === "SHA-256" ? 32 : 64);
const mode = (iterations: number) => (iterations <= NATIVE_ITERATIONS_LIMIT ? "native" : "hmac");

/** The work of verifying an imported hash. */
export const workOf = (l: Legacy): LegacyWork => ({
  digest: l.digest,
  iterations: l.iterations,
  blocks: Math.ceil(l.hash.length / hLen(l.digest)),
});

/** Nanoseconds of CPU (on the measuring machine) that this work costs. */
export const costNs = (w: LegacyWork): number =>
  w.iterations * w.blocks * NS_PER_ITERATION[mode(w.iterations)][w.digest];

/** The dearer of two works (null counts as none). */
export const dearer = (a: LegacyWork | null, b: LegacyWork | null): LegacyWork | null =>
  !a ? b : !b ? a : costNs(b) > costNs(a) ? b : a;

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

/** Import outcome of a foreign PBKDF2 hash: the string to store and its work, or a reason code. */
export type ImportedLegacy =
  | { ok: true; stored: string; work: LegacyWork }
  | { ok: false; code: "UNSUPPORTED_HASH_FORMAT" | "HASH_ITERATIONS_TOO_HIGH"; message: string };

/**
 * PHC/passlib/Django PBKDF2 strings or the explicit object -> the form to store. A hash whose
 * verification would cost more than VERIFY_BUDGET_NS is refused.
 */
export function importLegacy(input: string | Pbkdf2Export): ImportedLegacy {
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
  const work = workOf(l);
  if (costNs(work) > VERIFY_BUDGET_NS) {
    return {
      ok: false,
      code: "HASH_ITERATIONS_TOO_HIGH",
      message:
        "Verifying this hash would cost more CPU than one verification may: at most 600,000 SHA-256 or 464,444 SHA-512 iterations per block.",
    };
  }
  return { ok: true, stored: canonical(l), work };
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/**
 * PBKDF2 (RFC 8018 §5.2) built on WebCrypto HMAC, for any iteration count: T_i = U_1 ^ ... ^ U_c with
 * U_1 = HMAC(P, S || INT(i)) and U_j = HMAC(P, U_j-1). One PBKDF2 cannot be split into several
 * deriveBits calls (each block's chain must run in one piece), but its HMACs can be made one by one:
 * no hash is written in JavaScript. Awaiting an HMAC does not let the isolate's other requests run
 * (it resolves as a microtask), so the loop yields to the event loop every YIELD_EVERY iterations.
 */
export async function pbkdf2Hmac(
  hash: Digest,
  password: Uint8Array<ArrayBuffer>,
  salt: Uint8Array,
  iterations: number,
  dkLen: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", password, { name: "HMAC", hash }, false, ["sign"]);
  const size = hLen(hash);
  const out = new Uint8Array(Math.ceil(dkLen / size) * size);
  for (let block = 1, pos = 0; pos < dkLen; block++, pos += size) {
    const first = new Uint8Array(salt.length + 4);
    first.set(salt);
    new DataView(first.buffer).setUint32(salt.length, block);
    let u = new Uint8Array(await crypto.subtle.sign("HMAC", key, first));
    const t = u.slice();
    for (let i = 1; i < iterations; i++) {
      if (i % YIELD_EVERY === 0) await yieldToEventLoop();
      u = new Uint8Array(await crypto.subtle.sign("HMAC", key, u));
      for (let k = 0; k < size; k++) t[k]! ^= u[k]!;
    }
    out.set(t, pos);
  }
  return out.slice(0, dkLen);
}

/** Runs `iterations` of PBKDF2 the way a hash of this count is verified (native in calls of ≤ 100,000, else HMAC by HMAC). */
async function run(
  digest: Digest,
  pw: Uint8Array<ArrayBuffer>,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
  dkLen: number,
) {
  if (mode(iterations) === "hmac") return pbkdf2Hmac(digest, pw, salt, iterations, dkLen);
  const key = await crypto.subtle.importKey("raw", pw, "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(
    await crypto.subtle.deriveBits({ name: "PBKDF2", hash: digest, salt, iterations }, key, dkLen * 8),
  );
}

/**
 * Work that matches nothing, so that every sign-in of a tenant costs what its dearest imported hash
 * costs (`floor`): the part of the floor's CPU not already spent (`spentNs`), run with the floor's
 * own primitive (native PBKDF2 in calls of ≤ 100,000, or the HMAC loop) and digest.
 */
export async function padToFloor(password: string, floor: LegacyWork, spentNs: number): Promise<void> {
  const perIteration = NS_PER_ITERATION[mode(floor.iterations)][floor.digest];
  let left = Math.round((costNs(floor) - spentNs) / perIteration);
  const pw = utf8(password);
  const salt = randomBytes(16);
  if (mode(floor.iterations) === "hmac") {
    if (left > 0) await pbkdf2Hmac(floor.digest, pw, salt, left, hLen(floor.digest));
    return;
  }
  while (left > 0) {
    const n = Math.min(left, NATIVE_ITERATIONS_LIMIT);
    await run(floor.digest, pw, salt, n, hLen(floor.digest));
    left -= n;
  }
}

/**
 * Verifies a password against an imported hash, constant-time compare; then pads the work up to
 * the tenant's floor (its dearest imported hash), so that which hash an account holds does not
 * show in the time. A stored hash above the budget (imported before it existed) is never run.
 */
export async function verifyLegacy(password: string, l: Legacy, floor: LegacyWork | null = null): Promise<boolean> {
  const work = workOf(l);
  if (costNs(work) > VERIFY_BUDGET_NS) {
    if (floor) await padToFloor(password, floor, 0);
    return false;
  }
  const derived = await run(l.digest, utf8(password), l.salt, l.iterations, l.hash.length);
  if (floor) await padToFloor(password, floor, costNs(work));
  return crypto.subtle.timingSafeEqual(derived, l.hash);
}
