import { b64url, fromB64, randomBytes, utf8 } from "./encoding";

/** Encrypts a JSON value with AES-256-GCM; output is base64url(iv || ciphertext+tag). */
export async function seal(key: CryptoKey, value: unknown, aad: string): Promise<string> {
  const iv = randomBytes(12);
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: utf8(aad) },
    key,
    utf8(JSON.stringify(value)),
  );
  const out = new Uint8Array(12 + ct.byteLength);
  out.set(iv, 0);
  out.set(new Uint8Array(ct), 12);
  return b64url(out);
}

/** Decrypts what `seal` produced with the same key and associated data (the row id binds it to its row). */
export async function open<T>(key: CryptoKey, sealed: string, aad: string): Promise<T> {
  const bytes = fromB64(sealed);
  if (!bytes || bytes.length < 13) throw new Error("sealed payload is malformed");
  const pt = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: utf8(aad) },
    key,
    bytes.slice(12),
  );
  return JSON.parse(new TextDecoder().decode(pt)) as T;
}
