import { afterEach, describe, expect, it, vi } from "vitest";
import { b64, b64url, fromB64, hex, randomBytes, utf8 } from "../../src/crypto/encoding";
import { open, seal } from "../../src/crypto/envelope";
import {
  hmacHex,
  looksLikeLinkToken,
  newCode,
  newId,
  newLinkToken,
  sha256Hex,
  timingSafeEqualStr,
} from "../../src/crypto/tokens";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("encoding", () => {
  it("b64 is unpadded standard base64, b64url unpadded base64url", () => {
    expect(b64(new Uint8Array([]))).toBe("");
    expect(b64(utf8("f"))).toBe("Zg");
    expect(b64(utf8("fo"))).toBe("Zm8");
    expect(b64(utf8("foo"))).toBe("Zm9v");
    expect(b64(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("+/+/");
    expect(b64url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
    expect(b64url(new Uint8Array([0xfb, 0xff, 0xbf, 0xff]).buffer)).toBe("-_-__w");
  });

  it("fromB64 reads both alphabets, with or without padding", () => {
    expect(Array.from(fromB64("-_-_")!)).toEqual([0xfb, 0xff, 0xbf]);
    expect(Array.from(fromB64("+/+/")!)).toEqual([0xfb, 0xff, 0xbf]);
    expect(new TextDecoder().decode(fromB64("Zm8")!)).toBe("fo");
    expect(new TextDecoder().decode(fromB64("Zm8=")!)).toBe("fo");
    expect(new TextDecoder().decode(fromB64("Zg==")!)).toBe("f");
    expect(fromB64("")!.length).toBe(0);
    const bytes = randomBytes(57);
    expect(Array.from(fromB64(b64url(bytes))!)).toEqual(Array.from(bytes));
    expect(Array.from(fromB64(b64(bytes))!)).toEqual(Array.from(bytes));
  });

  it("fromB64 returns null (never throws) for malformed input", () => {
    for (const s of ["A", "Zm9v!", "Zm 9v", "Zg===", "=Zg", "é", "Zm9v\n"]) expect(fromB64(s), s).toBeNull();
  });

  it("hex is lower-case, two digits per byte", () => {
    expect(hex(new Uint8Array([0, 1, 0x0f, 0xab, 0xff]))).toBe("00010fabff");
    expect(hex(new Uint8Array([0xde, 0xad]).buffer)).toBe("dead");
  });

  it("randomBytes returns the requested length of fresh bytes", () => {
    expect(randomBytes(0).length).toBe(0);
    expect(randomBytes(32).length).toBe(32);
    expect(hex(randomBytes(32))).not.toBe(hex(randomBytes(32)));
  });
});

describe("link tokens", () => {
  it("are 43 base64url characters carrying 256 bits", () => {
    for (let i = 0; i < 50; i++) {
      const t = newLinkToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(fromB64(t)!.length).toBe(32);
      expect(looksLikeLinkToken(t)).toBe(true);
    }
  });

  it("come from the CSPRNG, 32 bytes at a time", () => {
    const spy = vi.spyOn(crypto, "getRandomValues");
    const t = newLinkToken();
    expect(spy).toHaveBeenCalledTimes(1);
    const filled = spy.mock.results[0]!.value as Uint8Array;
    expect(filled.byteLength).toBe(32);
    expect(Array.from(fromB64(t)!)).toEqual(
      Array.from(new Uint8Array(filled.buffer, filled.byteOffset, filled.byteLength)),
    );
  });

  it("are distinct across calls", () => {
    const seen = new Set(Array.from({ length: 1000 }, () => newLinkToken()));
    expect(seen.size).toBe(1000);
  });

  it("looksLikeLinkToken rejects anything not shaped like one", () => {
    const t = newLinkToken();
    for (const s of [
      "",
      t.slice(1),
      `${t}A`,
      `${t.slice(1)}=`,
      `${t.slice(1)}+`,
      `${t.slice(1)}/`,
      `${t.slice(1)}.`,
      ` ${t.slice(1)}`,
    ]) {
      expect(looksLikeLinkToken(s), s).toBe(false);
    }
  });
});

describe("newId", () => {
  it("is prefix + 128 random bits in base64url", () => {
    const id = newId("usr_");
    expect(id).toMatch(/^usr_[A-Za-z0-9_-]{22}$/);
    expect(fromB64(id.slice(4))!.length).toBe(16);
    expect(newId()).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(newId("x")).not.toBe(newId("x"));
  });
});

describe("newCode", () => {
  it("is always exactly 6 digits", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = newCode();
      expect(c).toMatch(/^\d{6}$/);
      seen.add(c);
    }
    // 2000 draws from 10^6 values: a handful of collisions at most.
    expect(seen.size).toBeGreaterThan(1980);
  });

  it("keeps leading zeros", () => {
    vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(a: T): T => {
      (a as unknown as Uint32Array)[0] = 42;
      return a;
    });
    expect(newCode()).toBe("000042");
  });

  it("rejects draws at or above the largest multiple of 10^6 (no modulo bias)", () => {
    const limit = Math.floor(0x1_0000_0000 / 1_000_000) * 1_000_000; // 4,294,000,000
    const draws = [0xffff_ffff, limit, limit - 1];
    const spy = vi.spyOn(crypto, "getRandomValues").mockImplementation(<T extends ArrayBufferView | null>(a: T): T => {
      (a as unknown as Uint32Array)[0] = draws.shift()!;
      return a;
    });
    expect(newCode()).toBe("999999");
    expect(spy).toHaveBeenCalledTimes(3);
  });
});

describe("sha256Hex / hmacHex", () => {
  it("sha256Hex known answers (FIPS 180-2 'abc', empty string, UTF-8)", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(await sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(await sha256Hex("é")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c");
  });

  it("hmacHex known answer (RFC 4231 test case 2)", async () => {
    const key = await crypto.subtle.importKey("raw", utf8("Jefe"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    expect(await hmacHex(key, "what do ya want for nothing?")).toBe(
      "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    );
  });
});

describe("timingSafeEqualStr", () => {
  it("true only for identical strings", async () => {
    expect(await timingSafeEqualStr("", "")).toBe(true);
    expect(await timingSafeEqualStr("secret-api-key", "secret-api-key")).toBe(true);
    expect(await timingSafeEqualStr("ünïcödé", "ünïcödé")).toBe(true);
    expect(await timingSafeEqualStr("secret-api-key", "secret-api-kez")).toBe(false);
    expect(await timingSafeEqualStr("secret-api-key", "Secret-api-key")).toBe(false);
    expect(await timingSafeEqualStr("secret", "secret-api-key")).toBe(false);
    expect(await timingSafeEqualStr("secret-api-key", "secret")).toBe(false);
    expect(await timingSafeEqualStr("a", "")).toBe(false);
    expect(await timingSafeEqualStr("", "a")).toBe(false);
  });
});

describe("envelope (AES-256-GCM seal/open)", () => {
  const aesKey = () =>
    crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, ["encrypt", "decrypt"]) as Promise<CryptoKey>;
  const payload = {
    to: "alice@example.com",
    link: "https://reset.example.test/r?token=abc",
    n: 3,
    nested: { ok: true },
  };

  it("round-trips a JSON value with the same key and aad", async () => {
    const key = await aesKey();
    const sealed = await seal(key, payload, "row-1");
    expect(await open(key, sealed, "row-1")).toEqual(payload);
    expect(await open(key, await seal(key, "just a string", ""), "")).toBe("just a string");
  });

  it("is base64url of a 12-byte IV, the ciphertext and a 16-byte tag, and never repeats", async () => {
    const key = await aesKey();
    const a = await seal(key, payload, "row-1");
    const b = await seal(key, payload, "row-1");
    expect(a).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(fromB64(a)!.length).toBe(12 + utf8(JSON.stringify(payload)).length + 16);
    expect(a).not.toBe(b);
    expect(hex(fromB64(a)!.slice(0, 12))).not.toBe(hex(fromB64(b)!.slice(0, 12)));
    // The plaintext is not visible in the output.
    expect(new TextDecoder().decode(fromB64(a)!)).not.toContain("alice@example.com");
  });

  it("fails to open with a different aad (binds the payload to its row)", async () => {
    const key = await aesKey();
    const sealed = await seal(key, payload, "row-1");
    await expect(open(key, sealed, "row-2")).rejects.toThrow();
    await expect(open(key, sealed, "")).rejects.toThrow();
  });

  it("fails to open with another key", async () => {
    const sealed = await seal(await aesKey(), payload, "row-1");
    await expect(open(await aesKey(), sealed, "row-1")).rejects.toThrow();
  });

  it("fails to open a tampered IV, ciphertext or tag", async () => {
    const key = await aesKey();
    const bytes = fromB64(await seal(key, payload, "row-1"))!;
    for (const index of [0, 11, 12, 20, bytes.length - 17, bytes.length - 1]) {
      const t = bytes.slice();
      t[index]! ^= 0x01;
      await expect(open(key, b64url(t), "row-1"), `byte ${index}`).rejects.toThrow();
    }
    await expect(open(key, b64url(bytes.slice(0, -1)), "row-1")).rejects.toThrow();
    // Untampered control.
    expect(await open(key, b64url(bytes), "row-1")).toEqual(payload);
  });

  it("rejects malformed payloads", async () => {
    const key = await aesKey();
    await expect(open(key, "", "x")).rejects.toThrow(/malformed/);
    await expect(open(key, "!!!!", "x")).rejects.toThrow(/malformed/);
    await expect(open(key, b64url(randomBytes(12)), "x")).rejects.toThrow(/malformed/);
    await expect(open(key, b64url(randomBytes(40)), "x")).rejects.toThrow();
  });
});
