import { describe, expect, it } from "vitest";
import { pbkdf2Hmac as pbkdf2Js } from "../src/crypto/legacy-hash";

const enc = { encode: (s: string) => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer> };
const PW = enc.encode("Imported-Passw0rd!");
const SALT = Uint8Array.from({ length: 16 }, (_, i) => i * 0x11);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");

describe("pbkdf2Js (for imported hashes above the 100,000-iterations-per-call ceiling)", () => {
  it("matches WebCrypto's PBKDF2 for small counts, both digests, several output lengths", async () => {
    for (const hash of ["SHA-256", "SHA-512"] as const) {
      for (const [iterations, dkLen] of [[1, 32], [2, 20], [1000, 64], [37, 100]] as const) {
        const key = await crypto.subtle.importKey("raw", PW, "PBKDF2", false, ["deriveBits"]);
        const native = new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt: SALT, iterations }, key, dkLen * 8));
        expect(hex(await pbkdf2Js(hash, PW, SALT, iterations, dkLen)), `${hash} ${iterations} ${dkLen}`).toBe(hex(native));
      }
    }
  });

  it("known answers computed in Node (crypto.pbkdf2Sync), including a key longer than the block", async () => {
    expect(hex(await pbkdf2Js("SHA-256", PW, SALT, 150_000, 32))).toBe("dd55a310d9836169d338b5ce2e0cf595fa4c7e92c5f2beb6f4cf670443d286dd");
    expect(hex(await pbkdf2Js("SHA-512", PW, SALT, 120_000, 64))).toBe(
      "cd58243e2df91bf8c9e0075b9a559516dc7a8918ef5422073a2cd2aecef1623d4c283a52ed11268ba6ab8976367ea7f43d58fc5e260c75582f3bf2931863210d",
    );
    expect(hex(await pbkdf2Js("SHA-512", enc.encode("x".repeat(200)), SALT, 3, 100))).toBe(
      "ece396067a200ba3e520720c6808c3695118f1c1f83a54de03e3d7e5b0a19823b91c41f168490c4a81f55d59528fe88a98909626a6118accf2217d8da841fc51205abdfad7c3c0362b2f54a695e9f99e7f87d086499489cf1e5b9431e57d852fc42c7ec1",
    );
  });

  it("RFC 7914 §11 PBKDF2-HMAC-SHA256 vector (P=passwd, S=salt, c=1, dkLen=64)", async () => {
    expect(hex(await pbkdf2Js("SHA-256", enc.encode("passwd"), enc.encode("salt"), 1, 64))).toBe(
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    );
  });
});
