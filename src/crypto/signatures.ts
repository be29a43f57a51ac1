import { fromB64, utf8 } from "./encoding";

// What the mail providers' event webhooks are signed with, on WebCrypto alone: HMAC-SHA256 (Svix,
// Mailgun), ECDSA P-256 with DER signatures (SendGrid), RSA PKCS#1 v1.5 from an X.509 certificate (SNS).

/** HMAC-SHA256 of `data` under raw key bytes (or a string's UTF-8). */
export async function hmacSha256(key: Uint8Array<ArrayBuffer> | string, data: string): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    typeof key === "string" ? utf8(key) : key,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", k, utf8(data)));
}

/** One DER TLV at `i`: its tag and the bounds of its value. Throws past the end. */
function tlv(d: Uint8Array, i: number): [tag: number, start: number, end: number] {
  let len = d[i + 1] ?? 0;
  let p = i + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let k = 0; k < n; k++) len = len * 256 + (d[p++] ?? 0);
  }
  if (i >= d.length || p + len > d.length) throw new TypeError("truncated DER");
  return [d[i]!, p, p + len];
}

/**
 * The SubjectPublicKeyInfo of an X.509 certificate (DER), for importKey("spki"): tbsCertificate's
 * seventh field, after [0] version, serial, signature algorithm, issuer, validity and subject.
 */
export function certificateSpki(der: Uint8Array<ArrayBuffer>): Uint8Array<ArrayBuffer> {
  const tbs = tlv(der, tlv(der, 0)[1]);
  let i = tbs[1];
  if (der[i] === 0xa0) i = tlv(der, i)[2];
  for (let k = 0; k < 5; k++) i = tlv(der, i)[2];
  return der.slice(i, tlv(der, i)[2]);
}

/** A DER ECDSA signature (SEQUENCE of INTEGER r, s) as the raw r||s WebCrypto verifies (P-256: 64 bytes). */
export function ecdsaDerToRaw(der: Uint8Array<ArrayBuffer>, size = 32): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size * 2);
  let i = tlv(der, 0)[1];
  for (let k = 1; k <= 2; k++) {
    const [, s, e] = tlv(der, i);
    // INTEGERs carry a leading zero when their top bit is set, and no leading zeros otherwise.
    const n = der.subarray(Math.max(s, e - size), e);
    out.set(n, size * k - n.length);
    i = e;
  }
  return out;
}

/** DER bytes of a PEM block (base64 between the armour lines); null when malformed. */
export const pemToDer = (pem: string) => fromB64(pem.replace(/-----[^-]+-----|\s/g, ""));
