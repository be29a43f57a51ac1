import { afterEach, describe, expect, it, vi } from "vitest";
import {
  dummyHash,
  type HashParams,
  hashPassword,
  MAX_ITERATIONS_PER_CALL,
  needsRehash,
  normalizePassword,
  splitIterations,
  verifyPassword,
} from "../../src/crypto/password";
import { adminHeaders, api, rows, strongPassword, uniqueEmail } from "../helpers";

// Fixed inputs of the known-answer tests. The expected PHC strings below were computed
// independently in Node (node:crypto createHmac + pbkdf2Sync), not with the code under test:
//   m = HMAC-SHA256(PEPPER_RAW, NFKC(password)); repeat r times: m = PBKDF2-SHA256(m, SALT, i, 32)
const PEPPER_RAW = Uint8Array.from({ length: 32 }, (_, i) => i); // 00 01 .. 1f
const SALT = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i); // a0 a1 .. af
const SALT_B64 = "oKGio6SlpqeoqaqrrK2urw";
const PEPPER_ID = "0a1b2c3d";

const KAT = {
  ascii20k: `$pbkdf2c-sha256$v=1$i=20000,r=1,k=0a1b2c3d$${SALT_B64}$xwsxWecZvpH5oRuEB8z6afxIJEyRvkdQODVGETwlZoQ`,
  fish20k: `$pbkdf2c-sha256$v=1$i=20000,r=1,k=0a1b2c3d$${SALT_B64}$moA6T0pVM1FkCuG7Z+k6/n8h53xHyA4Ulqjc5JyiRcs`,
  cafe20k: `$pbkdf2c-sha256$v=1$i=20000,r=1,k=0a1b2c3d$${SALT_B64}$OrymTmhbHnxPsttXE7f6YWPzkXBsE2eN1qRy8zUeDGs`,
  fullwidth20k: `$pbkdf2c-sha256$v=1$i=20000,r=1,k=0a1b2c3d$${SALT_B64}$xxl4S2lSWk6PJleEF1ne//cFJsPhs7BoaO5HTauI/Eg`,
  ascii250k: `$pbkdf2c-sha256$v=1$i=83334,r=3,k=0a1b2c3d$${SALT_B64}$70Oic5TNqUBJkLEOFOZGUex9IXpGvGypCslXAVsJ6i4`,
  ascii600k: `$pbkdf2c-sha256$v=1$i=100000,r=6,k=0a1b2c3d$${SALT_B64}$Y1ChmI3fk797uqOCiGxb8BmnbdueY8E7a8eCQugEKTY`,
};
const ASCII_PW = "correct horse battery staple";

const importPepper = (raw: Uint8Array<ArrayBuffer>) =>
  crypto.subtle.importKey("raw", raw, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

async function params(
  totalIterations = 20_000,
  pepperId = PEPPER_ID,
  raw: Uint8Array<ArrayBuffer> = PEPPER_RAW,
): Promise<HashParams> {
  return { totalIterations, pepper: await importPepper(raw), pepperId };
}

const hex = (buf: ArrayBuffer) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

type DeriveBitsArgs = Parameters<SubtleCrypto["deriveBits"]>;
/** Spies on crypto.subtle.deriveBits (calling through) and returns the iterations of each PBKDF2 call. */
function spyPbkdf2() {
  const spy = vi.spyOn(crypto.subtle, "deriveBits");
  return () =>
    spy.mock.calls
      .map((args) => (args as DeriveBitsArgs)[0] as { name: string; iterations?: number })
      .filter((alg) => alg.name === "PBKDF2")
      .map((alg) => alg.iterations!);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("PBKDF2 primitive", () => {
  it("crypto.subtle PBKDF2-HMAC-SHA256 matches the published vector (P=password, S=salt, c=1, dkLen=32)", async () => {
    const enc = new TextEncoder();
    const key = await crypto.subtle.importKey("raw", enc.encode("password"), "PBKDF2", false, ["deriveBits"]);
    const bits = await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: enc.encode("salt"), iterations: 1 },
      key,
      256,
    );
    expect(hex(bits)).toBe("120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b");
  });
});

describe("splitIterations", () => {
  it("keeps totals up to the per-call ceiling in one round", () => {
    expect(splitIterations(1_000)).toEqual({ iterations: 1_000, rounds: 1 });
    expect(splitIterations(20_000)).toEqual({ iterations: 20_000, rounds: 1 });
    expect(splitIterations(100_000)).toEqual({ iterations: 100_000, rounds: 1 });
  });

  it("splits larger totals into rounds of at most 100,000 and never does less work than asked", () => {
    expect(MAX_ITERATIONS_PER_CALL).toBe(100_000);
    expect(splitIterations(100_001)).toEqual({ iterations: 50_001, rounds: 2 });
    expect(splitIterations(250_000)).toEqual({ iterations: 83_334, rounds: 3 });
    expect(splitIterations(600_000)).toEqual({ iterations: 100_000, rounds: 6 });
    expect(splitIterations(10_000_000)).toEqual({ iterations: 100_000, rounds: 100 });
    for (const total of [1_000, 99_999, 100_000, 100_001, 199_999, 250_000, 333_333, 600_000, 1_234_567, 10_000_000]) {
      const { iterations, rounds } = splitIterations(total);
      expect(iterations).toBeLessThanOrEqual(MAX_ITERATIONS_PER_CALL);
      expect(iterations * rounds).toBeGreaterThanOrEqual(total);
      // No more than one extra iteration per round.
      expect(iterations * rounds - total).toBeLessThan(rounds);
    }
  });
});

describe("normalizePassword", () => {
  it("applies NFKC without trimming", () => {
    expect(normalizePassword("ﬁ")).toBe("fi");
    expect(normalizePassword("e\u0301")).toBe("\u00e9");
    expect(normalizePassword("  pass  ")).toBe("  pass  ");
  });
});

describe("hashPassword known answers (computed independently in Node)", () => {
  it("single round, ASCII password", async () => {
    expect(await hashPassword(ASCII_PW, await params(20_000), SALT)).toBe(KAT.ascii20k);
  });

  it('NFKC: the "ﬁ" ligature hashes exactly like "fi"', async () => {
    const p = await params(20_000);
    const ligature = await hashPassword("ﬁsh-and-chips", p, SALT);
    const plain = await hashPassword("fish-and-chips", p, SALT);
    expect(ligature).toBe(KAT.fish20k);
    expect(plain).toBe(KAT.fish20k);
    expect(await verifyPassword("fish-and-chips", ligature, p)).toBe(true);
    expect(await verifyPassword("ﬁsh-and-chips", plain, p)).toBe(true);
  });

  it("NFKC: decomposed and precomposed accents, and UTF-8 of non-ASCII, hash identically", async () => {
    const p = await params(20_000);
    expect(await hashPassword("cafe\u0301-Passwort-Grüße", p, SALT)).toBe(KAT.cafe20k);
    expect(await hashPassword("caf\u00e9-Passwort-Grüße", p, SALT)).toBe(KAT.cafe20k);
  });

  it("NFKC: full-width characters hash like their ASCII forms", async () => {
    const p = await params(20_000);
    expect(await hashPassword("ＰＡＳＳ１２３", p, SALT)).toBe(KAT.fullwidth20k);
    expect(await hashPassword("PASS123", p, SALT)).toBe(KAT.fullwidth20k);
  });

  it("multi-round: 250,000 total => i=83334,r=3 chained", async () => {
    const p = await params(250_000);
    const h = await hashPassword(ASCII_PW, p, SALT);
    expect(h).toBe(KAT.ascii250k);
    expect(await verifyPassword(ASCII_PW, h, p)).toBe(true);
  });

  it("production default: 600,000 total => i=100000,r=6 chained", async () => {
    expect(await hashPassword(ASCII_PW, await params(600_000), SALT)).toBe(KAT.ascii600k);
  });

  it("verifies the Node-computed strings as stored hashes", async () => {
    const p = await params(20_000);
    expect(await verifyPassword(ASCII_PW, KAT.ascii20k, p)).toBe(true);
    expect(await verifyPassword("ＰＡＳＳ１２３", KAT.fullwidth20k, p)).toBe(true);
    // Verification uses the stored i/r, not the current total (within twice the current work).
    expect(await verifyPassword(ASCII_PW, KAT.ascii250k, await params(150_000))).toBe(true);
  });

  it("the pepper matters: another pepper key gives another hash", async () => {
    const other = Uint8Array.from({ length: 32 }, (_, i) => 0xff - i);
    const h = await hashPassword(ASCII_PW, await params(20_000, PEPPER_ID, other), SALT);
    expect(h).not.toBe(KAT.ascii20k);
    expect(h.startsWith(`$pbkdf2c-sha256$v=1$i=20000,r=1,k=${PEPPER_ID}$${SALT_B64}$`)).toBe(true);
  });
});

describe("hashPassword", () => {
  it("uses a fresh random 16-byte salt by default", async () => {
    const p = await params(1_000);
    const a = await hashPassword(ASCII_PW, p);
    const b = await hashPassword(ASCII_PW, p);
    expect(a).not.toBe(b);
    const re = /^\$pbkdf2c-sha256\$v=1\$i=1000,r=1,k=0a1b2c3d\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;
    expect(a).toMatch(re);
    expect(b).toMatch(re);
    expect(re.exec(a)![1]).not.toBe(re.exec(b)![1]);
    expect(await verifyPassword(ASCII_PW, a, p)).toBe(true);
    expect(await verifyPassword(ASCII_PW, b, p)).toBe(true);
  });

  it("does not trim or truncate", async () => {
    const p = await params(1_000);
    const long = "x".repeat(200);
    const h = await hashPassword(long, p, SALT);
    expect(await verifyPassword("x".repeat(199), h, p)).toBe(false);
    expect(await verifyPassword("x".repeat(201), h, p)).toBe(false);
    const spaced = await hashPassword(" secret ", p, SALT);
    expect(await verifyPassword("secret", spaced, p)).toBe(false);
    expect(await verifyPassword(" secret ", spaced, p)).toBe(true);
  });
});

describe("verifyPassword", () => {
  it("true for the right password, false for wrong ones", async () => {
    const p = await params(1_000);
    const h = await hashPassword("Tr0ub4dor&3", p);
    expect(await verifyPassword("Tr0ub4dor&3", h, p)).toBe(true);
    expect(await verifyPassword("Tr0ub4dor&4", h, p)).toBe(false);
    expect(await verifyPassword("tr0ub4dor&3", h, p)).toBe(false);
    expect(await verifyPassword("", h, p)).toBe(false);
  });

  it("false when the stored hash names another pepper id (even with the right password)", async () => {
    const p = await params(1_000);
    const h = await hashPassword(ASCII_PW, p, SALT);
    expect(await verifyPassword(ASCII_PW, h, { ...p, pepperId: "deadbeef" })).toBe(false);
    expect(await verifyPassword(ASCII_PW, h.replace("k=0a1b2c3d", "k=0a1b2c3e"), p)).toBe(false);
  });

  it("false when the pepper key differs under the same id", async () => {
    const h = await hashPassword(ASCII_PW, await params(1_000), SALT);
    const other = await params(
      1_000,
      PEPPER_ID,
      Uint8Array.from({ length: 32 }, () => 7),
    );
    expect(await verifyPassword(ASCII_PW, h, other)).toBe(false);
  });

  it("false when the stored hash or salt was altered", async () => {
    const p = await params(1_000);
    const h = await hashPassword(ASCII_PW, p, SALT);
    const parts = h.split("$");
    const flip = (s: string) => (s[0] === "A" ? "B" : "A") + s.slice(1);
    expect(await verifyPassword(ASCII_PW, [...parts.slice(0, 5), flip(parts[5]!)].join("$"), p)).toBe(false);
    expect(await verifyPassword(ASCII_PW, [...parts.slice(0, 4), flip(parts[4]!), parts[5]].join("$"), p)).toBe(false);
    // Same hash but claiming other work factors.
    expect(await verifyPassword(ASCII_PW, h.replace("i=1000,", "i=1001,"), p)).toBe(false);
    expect(await verifyPassword(ASCII_PW, h.replace("r=1,", "r=2,"), p)).toBe(false);
  });

  it("returns false (never throws) for malformed stored strings", async () => {
    const p = await params(1_000);
    const good = await hashPassword(ASCII_PW, p, SALT);
    const hash = good.split("$")[5]!;
    const malformed = [
      "",
      "garbage",
      "$",
      ASCII_PW,
      `${good.slice(0, -1)}!`,
      `${good}$`,
      ` ${good}`,
      good.replace("pbkdf2c-sha256", "pbkdf2-sha256"),
      good.replace("v=1", "v=2"),
      good.replace("i=1000", "i=0"),
      good.replace("i=1000", "i=100001"), // above the per-call ceiling
      good.replace("i=1000", "i=abc"),
      good.replace("r=1", "r=0"),
      good.replace("r=1", "r=101"),
      good.replace("k=0a1b2c3d", "k=0A1B2C3D"),
      good.replace("k=0a1b2c3d", "k="),
      good.replace(SALT_B64, ""),
      good.replace(SALT_B64, "A"), // not decodable base64
      good.replace(hash, "A"),
      good.replace(hash, hash.slice(0, 22)), // decodes, but to a 16-byte hash
      `$pbkdf2c-sha256$v=1$i=1000,r=1,k=0a1b2c3d$${SALT_B64}`,
      "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
    ];
    for (const stored of malformed) {
      await expect(verifyPassword(ASCII_PW, stored, p), JSON.stringify(stored)).resolves.toBe(false);
    }
  });

  it("does the same PBKDF2 work for malformed, foreign-pepper and real hashes (no timing oracle)", async () => {
    const p = await params(250_000);
    const real = await hashPassword(ASCII_PW, p);
    const calls = spyPbkdf2();

    await verifyPassword("wrong password", real, p);
    const forReal = calls();
    expect(forReal).toEqual([83_334, 83_334, 83_334]);

    vi.restoreAllMocks();
    const callsMalformed = spyPbkdf2();
    await verifyPassword("wrong password", "not-a-hash", p);
    expect(callsMalformed()).toEqual(forReal);

    vi.restoreAllMocks();
    const callsForeign = spyPbkdf2();
    await verifyPassword("wrong password", real.replace("k=0a1b2c3d", "k=ffffffff"), p);
    expect(callsForeign()).toEqual(forReal);
  });
});

describe("verifyPassword: a stored hash costs at most twice the current parameters", () => {
  it("refuses r up to 100 (10,000,000 iterations) after the current dummy work, without running it", async () => {
    const p = await params(1_000);
    const good = await hashPassword(ASCII_PW, p, SALT);
    const calls = spyPbkdf2();
    for (const r of [3, 100])
      expect(await verifyPassword(ASCII_PW, good.replace("r=1", `r=${r}`), p), `r=${r}`).toBe(false);
    expect(calls()).toEqual([1_000, 1_000]);
    // Twice the current work still verifies (a lowered PASSWORD_HASH_ITERATIONS keeps older hashes working).
    const twice = await hashPassword(ASCII_PW, await params(2_000), SALT);
    expect(await verifyPassword(ASCII_PW, twice, p)).toBe(true);
    expect(await verifyPassword(ASCII_PW, KAT.ascii600k, await params(300_000))).toBe(true);
    expect(await verifyPassword(ASCII_PW, KAT.ascii600k, await params(290_000))).toBe(false); // 3 × 96,667
  });
});

describe("needsRehash", () => {
  it("false for a hash made with the current parameters", async () => {
    const p = await params(20_000);
    expect(needsRehash(await hashPassword(ASCII_PW, p), p)).toBe(false);
    expect(needsRehash(KAT.ascii250k, await params(250_000))).toBe(false);
    // Compares the effective split: 599,999 and 600,000 both run as 6 × 100,000.
    expect(needsRehash(KAT.ascii600k, await params(599_999))).toBe(false);
  });

  it("true when the total iterations changed", async () => {
    expect(needsRehash(KAT.ascii20k, await params(600_000))).toBe(true);
    expect(needsRehash(KAT.ascii20k, await params(20_001))).toBe(true);
    expect(needsRehash(KAT.ascii600k, await params(20_000))).toBe(true);
    expect(needsRehash(KAT.ascii250k, await params(300_000))).toBe(true); // 3 × 100,000 vs 3 × 83,334
  });

  it("true when the pepper changed", async () => {
    expect(needsRehash(KAT.ascii20k, await params(20_000, "0a1b2c3e"))).toBe(true);
  });

  it("true for malformed strings", async () => {
    const p = await params(20_000);
    expect(needsRehash("", p)).toBe(true);
    expect(needsRehash("garbage", p)).toBe(true);
    expect(needsRehash(KAT.ascii20k.replace("v=1", "v=2"), p)).toBe(true);
  });
});

describe("dummyHash", () => {
  it("is a well-formed hash of the current parameters that matches no password", async () => {
    const p = await params(250_000);
    const d = dummyHash(p);
    expect(d).toMatch(/^\$pbkdf2c-sha256\$v=1\$i=83334,r=3,k=0a1b2c3d\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    // Parseable: needsRehash returns true for anything it cannot parse.
    expect(needsRehash(d, p)).toBe(false);
    expect(dummyHash(p)).not.toBe(d);

    // Verifying against it goes through the real (not the malformed) path, with the same work.
    const calls = spyPbkdf2();
    expect(await verifyPassword("", d, p)).toBe(false);
    expect(await verifyPassword(ASCII_PW, d, p)).toBe(false);
    expect(calls()).toEqual([83_334, 83_334, 83_334, 83_334, 83_334, 83_334]);
  });
});

describe("per-call iteration guard (production Workers reject > 100,000 iterations per PBKDF2 call)", () => {
  it("hashing and verifying at the production default of 600,000 never asks for more than 100,000 per call", async () => {
    const p = await params(600_000);
    const calls = spyPbkdf2();
    const h = await hashPassword(ASCII_PW, p, SALT);
    expect(h).toBe(KAT.ascii600k);
    const hashing = calls();
    expect(hashing.length).toBeGreaterThan(1);
    for (const n of hashing) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS_PER_CALL);
    expect(hashing.reduce((a, b) => a + b, 0)).toBe(600_000);

    expect(await verifyPassword(ASCII_PW, h, p)).toBe(true);
    const all = calls();
    for (const n of all) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS_PER_CALL);
    expect(all.reduce((a, b) => a + b, 0)).toBe(1_200_000);
  });

  it("POST /v1/users with PASSWORD_HASH_ITERATIONS=600000 never asks for more than 100,000 per call", async () => {
    const calls = spyPbkdf2();
    const email = uniqueEmail("guard");
    const res = await api("/v1/users", {
      json: { email, password: strongPassword() },
      headers: adminHeaders,
      env: { PASSWORD_HASH_ITERATIONS: "600000" },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    expect(((await res.json()) as { hasPassword: boolean }).hasPassword).toBe(true);

    const iterations = calls();
    expect(iterations.length).toBeGreaterThan(0); // the spy really saw the hashing
    for (const n of iterations) expect(n).toBeLessThanOrEqual(MAX_ITERATIONS_PER_CALL);
    expect(iterations.reduce((a, b) => a + b, 0)).toBe(600_000);

    const [user] = await rows<{ password_hash: string }>("SELECT password_hash FROM users WHERE email = ?", email);
    expect(user?.password_hash).toMatch(/^\$pbkdf2c-sha256\$v=1\$i=100000,r=6,k=[0-9a-f]{8}\$/);
  });
});
