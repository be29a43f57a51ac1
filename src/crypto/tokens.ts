import { b64url, hex, randomBytes, utf8 } from "./encoding";

/** A new link token: 256 bits from the CSPRNG, base64url (43 characters). */
export function newLinkToken(): string {
  return b64url(randomBytes(32));
}

/** True when the string has the shape of a link token (cheap pre-check before any lookup). */
export function looksLikeLinkToken(s: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(s);
}

/** SHA-256 hex: how link tokens and API keys are stored (high-entropy, so no salt or stretching needed). */
export async function sha256Hex(s: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", utf8(s)));
}

/** HMAC-SHA256 hex with the given key. */
export async function hmacHex(key: CryptoKey, message: string): Promise<string> {
  return hex(await crypto.subtle.sign("HMAC", key, utf8(message)));
}

/** A uniformly random 6-digit code (rejection sampling: no modulo bias). */
export function newCode(): string {
  const buf = new Uint32Array(1);
  const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000;
  for (;;) {
    crypto.getRandomValues(buf);
    if (buf[0]! < limit) return String(buf[0]! % 1_000_000).padStart(6, "0");
  }
}

/** Opaque random identifier for rows (128 bits, base64url). */
export function newId(prefix = ""): string {
  return prefix + b64url(randomBytes(16));
}

/** Constant-time equality of two strings (compares fixed-size digests, so lengths leak nothing either). */
export async function timingSafeEqualStr(a: string, b: string): Promise<boolean> {
  const [da, db] = await Promise.all([
    crypto.subtle.digest("SHA-256", utf8(a)),
    crypto.subtle.digest("SHA-256", utf8(b)),
  ]);
  return crypto.subtle.timingSafeEqual(da, db);
}
