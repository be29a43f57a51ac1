import { CompactSign, compactVerify, type JWK, type JWTPayload } from "jose";
import { b64url, utf8 } from "./encoding";

/** What a token may be used for; one can never stand in for another. */
export type TokenPurpose = "access" | "login" | "reset" | "step-up-challenge" | "step-up";

/**
 * Each purpose has its own `typ` header (RFC 8725 §3.11 explicit typing; access tokens use RFC 9068's
 * at+jwt). Access and login tokens are for a client: their `aud` is its client id, so a product that
 * checks iss and aud (as every JWT library does) accepts only tokens issued to it. Reset and step-up
 * tokens are verified by this service only: their audience is fixed (`resetkit:<purpose>`), never a
 * client id, so a product that checks only iss and aud can never take one for an access token.
 */
const TYP: Record<TokenPurpose, string> = {
  access: "at+jwt",
  login: "login+jwt",
  reset: "JWT",
  "step-up-challenge": "step-up-challenge+jwt",
  "step-up": "step-up+jwt",
};
const forClient = (purpose: TokenPurpose) => purpose === "access" || purpose === "login";

export interface SigningKeys {
  /** The key new tokens are signed with. */
  active: { kid: string; alg: string; key: CryptoKey };
  /** Every key whose tokens are still accepted (active first), by kid. */
  verifiers: Map<string, { alg: string; key: CryptoKey }>;
  /** Public JWKS as published at /.well-known/jwks.json. */
  jwks: { keys: JWK[] };
}

function algOf(jwk: JWK): string {
  if (jwk.kty === "EC" && jwk.crv === "P-256") return "ES256";
  if (jwk.kty === "OKP" && jwk.crv === "Ed25519") return "EdDSA";
  throw new Error("only EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys are supported");
}

/** WebCrypto's name of each algorithm's key (imported directly: jose's importJWK knows every JOSE algorithm). */
const KEY_ALGORITHM: Record<string, { name: string; namedCurve?: string }> = {
  ES256: { name: "ECDSA", namedCurve: "P-256" },
  EdDSA: { name: "Ed25519" },
};

const importKey = (jwk: JWK, alg: string, use: "sign" | "verify") =>
  crypto.subtle.importKey(
    "jwk",
    { kty: jwk.kty!, crv: jwk.crv, x: jwk.x, y: jwk.y, d: use === "sign" ? jwk.d : undefined },
    KEY_ALGORITHM[alg]!,
    false,
    [use],
  );

/** RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order. */
async function thumbprint(jwk: JWK): Promise<string> {
  const members =
    jwk.kty === "EC" ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return b64url(await crypto.subtle.digest("SHA-256", utf8(JSON.stringify(members))));
}

/**
 * Loads SIGNING_KEY: one private JWK, or a JWK Set `{"keys":[...]}` whose first key signs and whose
 * others only verify (rotation: keep the old key listed until its tokens have expired).
 */
export async function loadSigningKeys(raw: string): Promise<SigningKeys> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("not JSON (expected a private JWK)");
  }
  const list = (
    parsed && typeof parsed === "object" && "keys" in parsed ? (parsed as { keys: unknown }).keys : [parsed]
  ) as JWK[];
  if (!Array.isArray(list) || list.length === 0) throw new Error("no keys");
  const verifiers = new Map<string, { alg: string; key: CryptoKey }>();
  const publics: JWK[] = [];
  let active: SigningKeys["active"] | undefined;
  for (const [i, jwk] of list.entries()) {
    const alg = algOf(jwk);
    const { d: _d, ...pub } = jwk;
    const kid = jwk.kid ?? (await thumbprint(pub));
    const publicKey = await importKey(pub, alg, "verify");
    verifiers.set(kid, { alg, key: publicKey });
    publics.push({ kty: pub.kty, crv: pub.crv, x: pub.x, ...(pub.y ? { y: pub.y } : {}), kid, alg, use: "sig" });
    if (i === 0) {
      if (!jwk.d) throw new Error('the first key must be a private key (with "d")');
      active = { kid, alg, key: await importKey(jwk, alg, "sign") };
    }
  }
  return { active: active!, verifiers, jwks: { keys: publics } };
}

/**
 * Signs a short-lived token for one purpose, issued at `now` (epoch ms: the caller's clock). Access
 * and login tokens need `audience` (the client id, also in claims.cid).
 */
export async function signToken(
  keys: SigningKeys,
  opts: {
    issuer: string;
    purpose: TokenPurpose;
    audience?: string;
    subject: string;
    ttlSeconds: number;
    now: number;
    claims?: JWTPayload;
    jti?: string;
  },
): Promise<string> {
  const iat = Math.floor(opts.now / 1000);
  const audience = forClient(opts.purpose) ? opts.audience : `resetkit:${opts.purpose}`;
  if (!audience) throw new Error(`a ${opts.purpose} token needs an audience (the client id)`);
  // The claims are ours, so the JWS is built directly (jose's SignJWT/jwtVerify add a general claims
  // layer: 1.5 KiB gzip of the bundle); verifyToken checks every claim it needs.
  const payload: JWTPayload = {
    ...opts.claims,
    iss: opts.issuer,
    aud: audience,
    sub: opts.subject,
    iat,
    exp: iat + opts.ttlSeconds,
    ...(opts.jti ? { jti: opts.jti } : {}),
  };
  return new CompactSign(utf8(JSON.stringify(payload)))
    .setProtectedHeader({ alg: keys.active.alg, kid: keys.active.kid, typ: TYP[opts.purpose] })
    .sign(keys.active.key);
}

export type TokenCheck =
  | { ok: true; payload: JWTPayload & { sub: string } }
  | { ok: false; reason: "invalid" | "expired" };

/**
 * Verifies signature, issuer, purpose (typ; the reset audience), expiry at `now` (epoch ms) and,
 * for access and login tokens, that `aud` is the client named by `cid`. Never throws for bad input.
 */
export async function verifyToken(
  keys: SigningKeys,
  token: string,
  issuer: string,
  purpose: TokenPurpose,
  now: number,
): Promise<TokenCheck> {
  try {
    const { payload: bytes, protectedHeader: header } = await compactVerify(
      token,
      async (h) => {
        const v = h.kid ? keys.verifiers.get(h.kid) : undefined;
        if (!v || v.alg !== h.alg) throw new Error("unknown key");
        return v.key;
      },
      { algorithms: ["ES256", "EdDSA"] },
    );
    const payload = JSON.parse(new TextDecoder().decode(bytes)) as JWTPayload;
    const nowSec = Math.floor(now / 1000);
    const claimsOk =
      payload !== null &&
      typeof payload === "object" &&
      payload.iss === issuer &&
      typeof payload.sub === "string" &&
      typeof payload.exp === "number" &&
      (payload.nbf === undefined || (typeof payload.nbf === "number" && payload.nbf <= nowSec)) &&
      header.typ === TYP[purpose] &&
      (forClient(purpose)
        ? typeof payload.aud === "string" && payload.aud === payload.cid
        : payload.aud === `resetkit:${purpose}`);
    if (!claimsOk) return { ok: false, reason: "invalid" };
    if (payload.exp! <= nowSec) return { ok: false, reason: "expired" };
    return { ok: true, payload: payload as JWTPayload & { sub: string } };
  } catch {
    return { ok: false, reason: "invalid" };
  }
}
