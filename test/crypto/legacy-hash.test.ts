import { afterEach, describe, expect, it, vi } from "vitest";
import { b64 } from "../../src/crypto/encoding";
import { importHash } from "../../src/crypto/import-hash";
import { NATIVE_ITERATIONS_LIMIT, pbkdf2Hmac } from "../../src/crypto/legacy-hash";
import { type HashParams, MAX_ITERATIONS_PER_CALL, needsRehash, verifyPassword } from "../../src/crypto/password";

const enc = { encode: (s: string) => new TextEncoder().encode(s) as Uint8Array<ArrayBuffer> };
const PASSWORD = "Imported-Passw0rd!";
const PW = enc.encode(PASSWORD);
const SALT = Uint8Array.from({ length: 16 }, (_, i) => i * 0x11);
const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const fromHex = (s: string) => Uint8Array.from(s.match(/../g)!, (h) => parseInt(h, 16));

// PBKDF2-HMAC-SHA256(PASSWORD, SALT, 150,000 iterations, 32 bytes), computed in Node (crypto.pbkdf2Sync).
const KA_SHA256_150K = "dd55a310d9836169d338b5ce2e0cf595fa4c7e92c5f2beb6f4cf670443d286dd";

afterEach(() => vi.restoreAllMocks());

/** Spies on crypto.subtle.deriveBits (calling through) and returns the iterations of each PBKDF2 call. */
function spyPbkdf2() {
  const spy = vi.spyOn(crypto.subtle, "deriveBits");
  return () =>
    spy.mock.calls
      .map((args) => args[0] as { name: string; iterations?: number })
      .filter((alg) => alg.name === "PBKDF2")
      .map((alg) => alg.iterations!);
}

async function params(): Promise<HashParams> {
  const pepper = await crypto.subtle.importKey("raw", new Uint8Array(32), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
  ]);
  return { totalIterations: 20_000, pepper, pepperId: "0a1b2c3d" };
}

describe("pbkdf2Hmac (for imported hashes above the 100,000-iterations-per-call ceiling)", () => {
  it("matches WebCrypto's PBKDF2 for small counts, both digests, several output lengths", async () => {
    for (const hash of ["SHA-256", "SHA-512"] as const) {
      for (const [iterations, dkLen] of [
        [1, 32],
        [2, 20],
        [1000, 64],
        [37, 100],
      ] as const) {
        const key = await crypto.subtle.importKey("raw", PW, "PBKDF2", false, ["deriveBits"]);
        const native = new Uint8Array(
          await crypto.subtle.deriveBits({ name: "PBKDF2", hash, salt: SALT, iterations }, key, dkLen * 8),
        );
        expect(hex(await pbkdf2Hmac(hash, PW, SALT, iterations, dkLen)), `${hash} ${iterations} ${dkLen}`).toBe(
          hex(native),
        );
      }
    }
  });

  it("known answers computed in Node (crypto.pbkdf2Sync), including a key longer than the block", async () => {
    expect(hex(await pbkdf2Hmac("SHA-256", PW, SALT, 150_000, 32))).toBe(KA_SHA256_150K);
    expect(hex(await pbkdf2Hmac("SHA-512", PW, SALT, 120_000, 64))).toBe(
      "cd58243e2df91bf8c9e0075b9a559516dc7a8918ef5422073a2cd2aecef1623d4c283a52ed11268ba6ab8976367ea7f43d58fc5e260c75582f3bf2931863210d",
    );
    expect(hex(await pbkdf2Hmac("SHA-512", enc.encode("x".repeat(200)), SALT, 3, 100))).toBe(
      "ece396067a200ba3e520720c6808c3695118f1c1f83a54de03e3d7e5b0a19823b91c41f168490c4a81f55d59528fe88a98909626a6118accf2217d8da841fc51205abdfad7c3c0362b2f54a695e9f99e7f87d086499489cf1e5b9431e57d852fc42c7ec1",
    );
  });

  it("yields to the event loop while it runs: other requests of the isolate keep being served", async () => {
    let finished = false;
    let timerSawRunning = false;
    setTimeout(() => {
      timerSawRunning = !finished;
    }, 0);
    await pbkdf2Hmac("SHA-256", PW, SALT, 20_000, 32);
    finished = true;
    expect(timerSawRunning).toBe(true);
  });

  it("RFC 7914 §11 PBKDF2-HMAC-SHA256 vector (P=passwd, S=salt, c=1, dkLen=64)", async () => {
    expect(hex(await pbkdf2Hmac("SHA-256", enc.encode("passwd"), enc.encode("salt"), 1, 64))).toBe(
      "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783",
    );
  });
});

describe("verifyPassword of an imported PBKDF2 hash", () => {
  it("verifies an imported $pbkdf2-sha256$i=150000 with no deriveBits call over 100,000 iterations", async () => {
    expect(NATIVE_ITERATIONS_LIMIT).toBe(MAX_ITERATIONS_PER_CALL);
    const p = await params();
    const imported = importHash(`$pbkdf2-sha256$i=150000,l=32$${b64(SALT)}$${b64(fromHex(KA_SHA256_150K))}`, p);
    expect(imported.ok).toBe(true);
    if (!imported.ok) return;
    expect(imported.stored).toMatch(/^\$pbkdf2-sha256\$i=150000,l=32\$/);

    const calls = spyPbkdf2();
    expect(await verifyPassword(PASSWORD, imported.stored, p)).toBe(true);
    expect(await verifyPassword("Imported-Passw0rd?", imported.stored, p)).toBe(false);
    for (const n of calls()) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS_PER_CALL);
    // Imported hashes are replaced with ours at the next sign-in.
    expect(needsRehash(imported.stored, p)).toBe(true);
  });
});
