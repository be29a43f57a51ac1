import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";
import { describe, expect, it } from "vitest";
import { b64url, fromB64, utf8 } from "../../src/crypto/encoding";
import { loadSigningKeys, type SigningKeys, signToken, verifyToken } from "../../src/crypto/jwt";

const ISS = "https://reset.example.test";

async function privateJwk(alg: "ES256" | "EdDSA" = "ES256", kid?: string): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, {
    extractable: true,
    ...(alg === "EdDSA" ? { crv: "Ed25519" } : {}),
  });
  const jwk = await exportJWK(privateKey);
  return kid ? { ...jwk, kid } : jwk;
}
const publicOnly = ({ d: _d, ...pub }: JWK): JWK => pub;
const keysFrom = async (...jwks: JWK[]) =>
  loadSigningKeys(JSON.stringify(jwks.length === 1 ? jwks[0] : { keys: jwks }));
const sign = (keys: SigningKeys, over: Partial<Parameters<typeof signToken>[1]> = {}) =>
  signToken(keys, { issuer: ISS, purpose: "reset", subject: "usr_123", ttlSeconds: 600, now: Date.now(), ...over });
const part = (token: string, i: number) => JSON.parse(new TextDecoder().decode(fromB64(token.split(".")[i]!)!));

describe("signToken / verifyToken / loadSigningKeys", () => {
  it("loads a single private JWK: kid defaults to the thumbprint, JWKS is public only", async () => {
    const jwk = await privateJwk();
    const keys = await keysFrom(jwk);
    expect(keys.active.alg).toBe("ES256");
    expect(keys.active.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...keys.verifiers.keys()]).toEqual([keys.active.kid]);
    expect(keys.jwks.keys).toEqual([
      { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, kid: keys.active.kid, alg: "ES256", use: "sig" },
    ]);
    expect(JSON.stringify(keys.jwks)).not.toContain(jwk.d!);
    // An explicit kid is kept.
    expect((await keysFrom({ ...jwk, kid: "k1" })).active.kid).toBe("k1");
  });

  it("computes the RFC 7638 thumbprint as jose does, for EC and OKP keys", async () => {
    for (const alg of ["ES256", "EdDSA"] as const) {
      const jwk = await privateJwk(alg);
      expect((await keysFrom(jwk)).active.kid).toBe(await calculateJwkThumbprint(publicOnly(jwk)));
    }
  });

  it("signs and verifies a token for a purpose", async () => {
    const keys = await keysFrom(await privateJwk());
    const token = await sign(keys, { claims: { rid: "rr_1" }, jti: "jti-1" });
    const header = part(token, 0);
    expect(header).toEqual({ alg: "ES256", kid: keys.active.kid, typ: "JWT" });
    const check = await verifyToken(keys, token, ISS, "reset", Date.now());
    expect(check.ok).toBe(true);
    if (!check.ok) return;
    expect(check.payload).toMatchObject({ sub: "usr_123", iss: ISS, aud: "resetkit:reset", rid: "rr_1", jti: "jti-1" });
    expect(check.payload.exp! - check.payload.iat!).toBe(600);
  });

  it("rejects a token used for another purpose (audience)", async () => {
    const keys = await keysFrom(await privateJwk());
    const reset = await sign(keys, { purpose: "reset" });
    expect(await verifyToken(keys, reset, ISS, "access", Date.now())).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyToken(keys, reset, ISS, "login", Date.now())).toEqual({ ok: false, reason: "invalid" });
    const access = await sign(keys, { purpose: "access", audience: "app", claims: { cid: "app" } });
    expect(await verifyToken(keys, access, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "invalid" });
    expect(await verifyToken(keys, access, ISS, "login", Date.now())).toEqual({ ok: false, reason: "invalid" });
    expect((await verifyToken(keys, access, ISS, "access", Date.now())).ok).toBe(true);
    const login = await sign(keys, { purpose: "login", audience: "app", claims: { cid: "app" } });
    expect(await verifyToken(keys, login, ISS, "access", Date.now())).toEqual({ ok: false, reason: "invalid" });
    expect((await verifyToken(keys, login, ISS, "login", Date.now())).ok).toBe(true);
  });

  it("gives access and login tokens their client as audience (typed), and refuses one whose aud is not its cid", async () => {
    const keys = await keysFrom(await privateJwk());
    const access = await sign(keys, { purpose: "access", audience: "app", claims: { cid: "app" } });
    expect(part(access, 0).typ).toBe("at+jwt");
    expect(part(access, 1)).toMatchObject({ aud: "app", cid: "app" });
    const mismatched = await sign(keys, { purpose: "access", audience: "other", claims: { cid: "app" } });
    expect(await verifyToken(keys, mismatched, ISS, "access", Date.now())).toEqual({ ok: false, reason: "invalid" });
    await expect(sign(keys, { purpose: "access" })).rejects.toThrow(/audience/);
  });

  it("rejects a token of another issuer", async () => {
    const keys = await keysFrom(await privateJwk());
    const token = await sign(keys, { issuer: "https://evil.example" });
    expect(await verifyToken(keys, token, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "invalid" });
  });

  it('reports an expired token as "expired"', async () => {
    const keys = await keysFrom(await privateJwk());
    const token = await sign(keys, { ttlSeconds: -60 });
    expect(await verifyToken(keys, token, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "expired" });
  });

  it('reports a tampered token as "invalid"', async () => {
    const keys = await keysFrom(await privateJwk());
    const token = await sign(keys);
    const [h, p, s] = token.split(".") as [string, string, string];
    const forgedPayload = b64url(utf8(JSON.stringify({ ...part(token, 1), sub: "usr_admin" })));
    expect(await verifyToken(keys, `${h}.${forgedPayload}.${s}`, ISS, "reset", Date.now())).toEqual({
      ok: false,
      reason: "invalid",
    });
    const sig = fromB64(s)!;
    sig[5]! ^= 0x01;
    expect(await verifyToken(keys, `${h}.${p}.${b64url(sig)}`, ISS, "reset", Date.now())).toEqual({
      ok: false,
      reason: "invalid",
    });
    expect(await verifyToken(keys, `${h}.${p}.`, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "invalid" });
    // Untampered control.
    expect((await verifyToken(keys, token, ISS, "reset", Date.now())).ok).toBe(true);
  });

  it("rejects garbage and alg=none without throwing", async () => {
    const keys = await keysFrom(await privateJwk());
    const header = b64url(utf8(JSON.stringify({ alg: "none", kid: keys.active.kid, typ: "JWT" })));
    const now = Math.floor(Date.now() / 1000);
    const body = b64url(
      utf8(JSON.stringify({ iss: ISS, aud: "resetkit:reset", sub: "usr_123", iat: now, exp: now + 600 })),
    );
    for (const t of ["", "garbage", "a.b.c", `${header}.${body}.`, `${header}.${body}`]) {
      expect(await verifyToken(keys, t, ISS, "reset", Date.now()), t).toEqual({ ok: false, reason: "invalid" });
    }
  });

  it("rejects a token not yet valid (nbf ahead) and one with a non-JSON payload", async () => {
    const keys = await keysFrom(await privateJwk());
    const early = await sign(keys, { claims: { nbf: Math.floor(Date.now() / 1000) + 60 } });
    expect(await verifyToken(keys, early, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "invalid" });
    expect((await verifyToken(keys, early, ISS, "reset", Date.now() + 61_000)).ok).toBe(true);
    const notJson = await new CompactSign(utf8("not json"))
      .setProtectedHeader({ alg: "ES256", kid: keys.active.kid, typ: "JWT" })
      .sign(keys.active.key);
    expect(await verifyToken(keys, notJson, ISS, "reset", Date.now())).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("rejects a token without a subject", async () => {
    const keys = await keysFrom(await privateJwk());
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "ES256", kid: keys.active.kid })
      .setIssuer(ISS)
      .setAudience("resetkit:reset")
      .setIssuedAt()
      .setExpirationTime("10m")
      .sign(keys.active.key);
    expect(await verifyToken(keys, token, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "invalid" });
  });

  it("rejects a token signed by another key (unknown kid, or a known kid with the wrong key)", async () => {
    const ours = await keysFrom(await privateJwk("ES256", "shared-kid"));
    const theirs = await keysFrom(await privateJwk("ES256", "their-kid"));
    expect(await verifyToken(ours, await sign(theirs), ISS, "reset", Date.now())).toEqual({
      ok: false,
      reason: "invalid",
    });
    const impostor = await keysFrom(await privateJwk("ES256", "shared-kid"));
    expect(impostor.active.kid).toBe(ours.active.kid);
    expect(await verifyToken(ours, await sign(impostor), ISS, "reset", Date.now())).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("a JWK Set: the first key signs, the others still verify (rotation)", async () => {
    const oldJwk = await privateJwk("ES256", "old");
    const newJwk = await privateJwk("ES256", "new");
    const before = await keysFrom(oldJwk);
    const issuedBefore = await sign(before);

    const rotated = await keysFrom(newJwk, oldJwk);
    expect(rotated.active.kid).toBe("new");
    expect([...rotated.verifiers.keys()]).toEqual(["new", "old"]);
    expect(rotated.jwks.keys.map((k) => k.kid)).toEqual(["new", "old"]);
    expect(rotated.jwks.keys.every((k) => k.d === undefined)).toBe(true);

    const issuedAfter = await sign(rotated);
    expect(part(issuedAfter, 0).kid).toBe("new");
    expect((await verifyToken(rotated, issuedAfter, ISS, "reset", Date.now())).ok).toBe(true);
    expect((await verifyToken(rotated, issuedBefore, ISS, "reset", Date.now())).ok).toBe(true);
    // The old configuration does not know the new key.
    expect((await verifyToken(before, issuedAfter, ISS, "reset", Date.now())).ok).toBe(false);

    // Verify-only keys may be public (no "d").
    const rotatedPublicOld = await keysFrom(newJwk, publicOnly(oldJwk));
    expect((await verifyToken(rotatedPublicOld, issuedBefore, ISS, "reset", Date.now())).ok).toBe(true);
  });

  it("supports Ed25519 (EdDSA) keys", async () => {
    const keys = await keysFrom(await privateJwk("EdDSA"));
    expect(keys.active.alg).toBe("EdDSA");
    expect(keys.jwks.keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(keys.jwks.keys[0]!.y).toBeUndefined();
    const token = await sign(keys);
    expect(part(token, 0).alg).toBe("EdDSA");
    expect((await verifyToken(keys, token, ISS, "reset", Date.now())).ok).toBe(true);
  });

  it("loadSigningKeys rejects a public-only key, non-JSON, empty sets and unsupported keys", async () => {
    const jwk = await privateJwk();
    await expect(loadSigningKeys(JSON.stringify(publicOnly(jwk)))).rejects.toThrow(/private key/);
    await expect(loadSigningKeys(JSON.stringify({ keys: [publicOnly(jwk), jwk] }))).rejects.toThrow(/private key/);
    await expect(loadSigningKeys("not json at all")).rejects.toThrow(/not JSON/);
    await expect(loadSigningKeys("")).rejects.toThrow(/not JSON/);
    await expect(loadSigningKeys(JSON.stringify({ keys: [] }))).rejects.toThrow(/no keys/);
    await expect(loadSigningKeys(JSON.stringify({ keys: "nope" }))).rejects.toThrow(/no keys/);
    await expect(loadSigningKeys(JSON.stringify({ kty: "oct", k: "c2VjcmV0" }))).rejects.toThrow(/only EC P-256/);
    await expect(loadSigningKeys(JSON.stringify({ ...jwk, crv: "P-384" }))).rejects.toThrow(/only EC P-256/);
    await expect(loadSigningKeys("null")).rejects.toThrow();
  });

  it("judges expiry at the `now` it is given (the caller's clock), not at the wall clock", async () => {
    const keys = await keysFrom(await privateJwk());
    const issuedAt = Date.now() + 3 * 3_600_000; // a test clock moved three hours ahead
    const token = await sign(keys, { now: issuedAt, ttlSeconds: 600 });
    expect(part(token, 1).iat).toBe(Math.floor(issuedAt / 1000));
    expect(part(token, 1).exp).toBe(Math.floor(issuedAt / 1000) + 600);
    expect((await verifyToken(keys, token, ISS, "reset", issuedAt)).ok).toBe(true);
    expect((await verifyToken(keys, token, ISS, "reset", issuedAt + 599_000)).ok).toBe(true);
    expect(await verifyToken(keys, token, ISS, "reset", issuedAt + 600_000)).toEqual({ ok: false, reason: "expired" });
    // The wall clock says nothing: a token issued "in the past" of the given clock is expired there.
    const old = await sign(keys, { now: Date.now() - 3_600_000, ttlSeconds: 600 });
    expect(await verifyToken(keys, old, ISS, "reset", Date.now())).toEqual({ ok: false, reason: "expired" });
    expect((await verifyToken(keys, old, ISS, "reset", Date.now() - 3_600_000 + 60_000)).ok).toBe(true);
  });
});
