import { utf8 } from "./encoding";

/** Purpose-bound keys derived from SECRET_KEY, so one leaked sub-key does not expose the others. */
export interface SubKeys {
  /** HMAC-SHA256 key: the keyed step applied to passwords before PBKDF2 (NIST 800-63B pepper). */
  pepper: CryptoKey;
  /** Identifies the pepper in stored hashes, so a rotated SECRET_KEY can be detected. */
  pepperId: string;
  /** HMAC-SHA256 key for 6-digit reset codes. */
  code: CryptoKey;
  /** HMAC-SHA256 key for rate-limit and cooldown keys (hides emails from KV). */
  lookup: CryptoKey;
  /** AES-256-GCM key for outbox payloads. */
  outbox: CryptoKey;
  /** HMAC-SHA256 key for the CSRF tokens of hosted-page forms. */
  csrf: CryptoKey;
}

const HMAC = { name: "HMAC", hash: "SHA-256" };

async function hkdf(master: CryptoKey, info: string): Promise<ArrayBuffer> {
  return crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: utf8("resetkit/v1"), info: utf8(info) },
    master,
    256,
  );
}

/** Derives every sub-key from the master secret with HKDF-SHA256 (one info label per purpose). */
export async function deriveSubKeys(secretKey: string): Promise<SubKeys> {
  const master = await crypto.subtle.importKey("raw", utf8(secretKey), "HKDF", false, ["deriveBits"]);
  const [pepper, code, lookup, outbox, pepperIdBits, csrf] = await Promise.all([
    hkdf(master, "password-pepper"),
    hkdf(master, "reset-code-hmac"),
    hkdf(master, "lookup-hmac"),
    hkdf(master, "outbox-aes-gcm"),
    hkdf(master, "pepper-id"),
    hkdf(master, "page-csrf-hmac"),
  ]);
  return {
    pepper: await crypto.subtle.importKey("raw", pepper, HMAC, false, ["sign"]),
    pepperId: Array.from(new Uint8Array(pepperIdBits).slice(0, 4), (b) => b.toString(16).padStart(2, "0")).join(""),
    code: await crypto.subtle.importKey("raw", code, HMAC, false, ["sign"]),
    lookup: await crypto.subtle.importKey("raw", lookup, HMAC, false, ["sign"]),
    outbox: await crypto.subtle.importKey("raw", outbox, "AES-GCM", false, ["encrypt", "decrypt"]),
    csrf: await crypto.subtle.importKey("raw", csrf, HMAC, false, ["sign"]),
  };
}
