const enc = new TextEncoder();

/** UTF-8 bytes of a string. */
export const utf8 = (s: string): Uint8Array<ArrayBuffer> => enc.encode(s) as Uint8Array<ArrayBuffer>;

/** Unpadded base64url of bytes. */
export function b64url(bytes: ArrayBuffer | Uint8Array): string {
  return native(bytes).toBase64({ alphabet: "base64url", omitPadding: true });
}

/** Unpadded standard base64 (the PHC string alphabet). */
export function b64(bytes: ArrayBuffer | Uint8Array): string {
  return native(bytes).toBase64({ omitPadding: true });
}

/** Decodes base64 or base64url (padding optional); null when malformed. */
export function fromB64(s: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(s)) return null;
  try {
    const standard = s.replace(/-/g, "+").replace(/_/g, "/").replace(/=+$/, "");
    return (Uint8Array as unknown as NativeBase64).fromBase64(standard, { lastChunkHandling: "loose" });
  } catch {
    return null;
  }
}

/** Lower-case hex of bytes. */
export function hex(bytes: ArrayBuffer | Uint8Array): string {
  return native(bytes).toHex();
}

/**
 * The runtime's own base64 and hex (Uint8Array.prototype.toBase64 / toHex, Uint8Array.fromBase64:
 * in workerd, not yet in TypeScript's lib): byte-by-byte string building was ~3% of the request
 * endpoint's CPU (the email key's hex, the sealed email's base64).
 */
interface NativeBytes {
  toHex(): string;
  toBase64(o?: { alphabet?: "base64" | "base64url"; omitPadding?: boolean }): string;
}
interface NativeBase64 {
  fromBase64(s: string, o?: { lastChunkHandling?: "loose" | "strict" }): Uint8Array<ArrayBuffer>;
}
const native = (bytes: ArrayBuffer | Uint8Array) =>
  (bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes)) as unknown as NativeBytes;

/** Cryptographically random bytes. */
export function randomBytes(n: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(n));
}
