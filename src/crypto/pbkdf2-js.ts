/**
 * PBKDF2-HMAC-SHA256/512 iterated in JavaScript, for imported hashes with more than 100,000
 * iterations: production Workers reject such a single deriveBits call, and one PBKDF2 cannot be
 * split into several calls (each block's chain U1..Uc must run in one piece). Only the first HMAC
 * of each block uses WebCrypto; the chain runs on precomputed HMAC pad states, 2 compressions per
 * iteration, without allocating. Slow by nature (a fraction of a second per million iterations):
 * used once per imported user, at the first sign-in, after which the hash is replaced by ours.
 */

type Compress = (s: Int32Array, w: Int32Array) => void;

// Round constants and initial values, derived at first use (smaller than shipping them): SHA-512's
// are the first 64 fractional bits of the cube roots (K) and square roots (IV) of the first primes,
// as (hi, lo) int32 pairs; SHA-256's are the high halves of the first 64 K and of the 8 IV.
const K512 = new Int32Array(160);
const K256 = new Int32Array(64);
const IV512 = new Int32Array(16);
const IV256 = new Int32Array(8);
let ready = false;
/** floor(n^(1/k)) by Newton's method on integers. */
function iroot(n: bigint, k: bigint): bigint {
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / Number(k)) + 1);
  for (let y = x; ; x = y) {
    y = ((k - 1n) * x + n / x ** (k - 1n)) / k;
    if (y >= x) break;
  }
  while (x ** k > n) x--;
  return x;
}
function init() {
  const primes: number[] = [];
  for (let n = 2; primes.length < 80; n++) if (primes.every((p) => n % p)) primes.push(n);
  const pair = (v: bigint, out: Int32Array, i: number) => {
    out[i] = Number((v >> 32n) & 0xffffffffn) | 0;
    out[i + 1] = Number(v & 0xffffffffn) | 0;
  };
  primes.forEach((p, i) => {
    pair(iroot(BigInt(p) << 192n, 3n), K512, 2 * i);
    if (i < 8) pair(iroot(BigInt(p) << 128n, 2n), IV512, 2 * i);
  });
  for (let i = 0; i < 64; i++) K256[i] = K512[2 * i]!;
  for (let i = 0; i < 8; i++) IV256[i] = IV512[2 * i]!;
  ready = true;
}

const rotr = (x: number, n: number) => (x >>> n) | (x << (32 - n));
const TWO32 = 4294967296;

/** One SHA-256 compression of w[0..15] into s (w has room for 64 words). */
const compress256: Compress = (s, w) => {
  for (let i = 16; i < 64; i++) {
    const x = w[i - 15]!, y = w[i - 2]!;
    w[i] = (w[i - 16]! + (rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3)) + w[i - 7]! + (rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10))) | 0;
  }
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!, e = s[4]!, f = s[5]!, g = s[6]!, h = s[7]!;
  for (let i = 0; i < 64; i++) {
    const t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K256[i]! + w[i]!) | 0;
    const t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
  }
  s[0] = (s[0]! + a) | 0; s[1] = (s[1]! + b) | 0; s[2] = (s[2]! + c) | 0; s[3] = (s[3]! + d) | 0;
  s[4] = (s[4]! + e) | 0; s[5] = (s[5]! + f) | 0; s[6] = (s[6]! + g) | 0; s[7] = (s[7]! + h) | 0;
};

/**
 * One SHA-512 compression; 64-bit words are (hi, lo) pairs of int32 (w has room for 160). Low
 * halves are summed as unsigned doubles (exact below 2^53) and the carry moved to the high half.
 */
const compress512: Compress = (s, w) => {
  for (let i = 32; i < 160; i += 2) {
    const xh = w[i - 30]!, xl = w[i - 29]!, yh = w[i - 4]!, yl = w[i - 3]!;
    const s0h = ((xh >>> 1) | (xl << 31)) ^ ((xh >>> 8) | (xl << 24)) ^ (xh >>> 7);
    const s0l = ((xl >>> 1) | (xh << 31)) ^ ((xl >>> 8) | (xh << 24)) ^ ((xl >>> 7) | (xh << 25));
    const s1h = ((yh >>> 19) | (yl << 13)) ^ ((yl >>> 29) | (yh << 3)) ^ (yh >>> 6);
    const s1l = ((yl >>> 19) | (yh << 13)) ^ ((yh >>> 29) | (yl << 3)) ^ ((yl >>> 6) | (yh << 26));
    const lo = (s1l >>> 0) + (w[i - 13]! >>> 0) + (s0l >>> 0) + (w[i - 31]! >>> 0);
    w[i] = (s1h + w[i - 14]! + s0h + w[i - 32]! + ((lo / TWO32) | 0)) | 0;
    w[i + 1] = lo | 0;
  }
  let ah = s[0]!, al = s[1]!, bh = s[2]!, bl = s[3]!, ch = s[4]!, cl = s[5]!, dh = s[6]!, dl = s[7]!;
  let eh = s[8]!, el = s[9]!, fh = s[10]!, fl = s[11]!, gh = s[12]!, gl = s[13]!, hh = s[14]!, hl = s[15]!;
  for (let i = 0; i < 160; i += 2) {
    const S1h = ((eh >>> 14) | (el << 18)) ^ ((eh >>> 18) | (el << 14)) ^ ((el >>> 9) | (eh << 23));
    const S1l = ((el >>> 14) | (eh << 18)) ^ ((el >>> 18) | (eh << 14)) ^ ((eh >>> 9) | (el << 23));
    const t1l = (hl >>> 0) + (S1l >>> 0) + (((el & fl) ^ (~el & gl)) >>> 0) + (K512[i + 1]! >>> 0) + (w[i + 1]! >>> 0);
    const t1h = (hh + S1h + ((eh & fh) ^ (~eh & gh)) + K512[i]! + w[i]! + ((t1l / TWO32) | 0)) | 0;
    const S0h = ((ah >>> 28) | (al << 4)) ^ ((al >>> 2) | (ah << 30)) ^ ((al >>> 7) | (ah << 25));
    const S0l = ((al >>> 28) | (ah << 4)) ^ ((ah >>> 2) | (al << 30)) ^ ((ah >>> 7) | (al << 25));
    const t2l = (S0l >>> 0) + (((al & bl) ^ (al & cl) ^ (bl & cl)) >>> 0);
    const t2h = (S0h + ((ah & bh) ^ (ah & ch) ^ (bh & ch)) + ((t2l / TWO32) | 0)) | 0;
    hh = gh; hl = gl; gh = fh; gl = fl; fh = eh; fl = el;
    const e2 = (dl >>> 0) + (t1l >>> 0);
    eh = (dh + t1h + ((e2 / TWO32) | 0)) | 0; el = e2 | 0;
    dh = ch; dl = cl; ch = bh; cl = bl; bh = ah; bl = al;
    const a2 = (t1l >>> 0) + (t2l >>> 0);
    ah = (t1h + t2h + ((a2 / TWO32) | 0)) | 0; al = a2 | 0;
  }
  const v = [ah, al, bh, bl, ch, cl, dh, dl, eh, el, fh, fl, gh, gl, hh, hl];
  for (let i = 0; i < 16; i += 2) {
    const lo = (s[i + 1]! >>> 0) + (v[i + 1]! >>> 0);
    s[i] = (s[i]! + v[i]! + ((lo / TWO32) | 0)) | 0;
    s[i + 1] = lo | 0;
  }
};

const ALGOS = {
  "SHA-256": { blockInts: 16, hashInts: 8, schedule: 64, compress: compress256, iv: IV256 },
  "SHA-512": { blockInts: 32, hashInts: 16, schedule: 160, compress: compress512, iv: IV512 },
} as const;

function toInts(b: Uint8Array, n: number): Int32Array {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  return Int32Array.from({ length: n }, (_, i) => dv.getInt32(i * 4));
}

/** PBKDF2 (RFC 8018) with any iteration count and no deriveBits call; same output as WebCrypto's. */
export async function pbkdf2Js(hash: "SHA-256" | "SHA-512", password: Uint8Array<ArrayBuffer>, salt: Uint8Array, iterations: number, dkLen: number): Promise<Uint8Array> {
  if (!ready) init();
  const A = ALGOS[hash];
  const blockBytes = A.blockInts * 4;
  const hashBytes = A.hashInts * 4;
  const w = new Int32Array(A.schedule);
  const s = new Int32Array(A.hashInts);
  // HMAC pad states: the key (hashed first when longer than a block) XOR ipad/opad, compressed once.
  const key = new Uint8Array(blockBytes);
  key.set(password.length > blockBytes ? new Uint8Array(await crypto.subtle.digest(hash, password)) : password);
  const pad = (x: number) => {
    const st = A.iv.slice();
    w.set(toInts(key.map((b) => b ^ x), A.blockInts));
    A.compress(st, w);
    return st;
  };
  const inner = pad(0x36);
  const outer = pad(0x5c);
  /** s = HMAC(password, the hash-sized message in w[0..hashInts)), from a pad state. */
  const step = (state: Int32Array) => {
    w.fill(0, A.hashInts, A.blockInts);
    w[A.hashInts] = 0x80000000 | 0;
    w[A.blockInts - 1] = (blockBytes + hashBytes) * 8;
    s.set(state);
    A.compress(s, w);
  };
  const hmacKey = await crypto.subtle.importKey("raw", password, { name: "HMAC", hash }, false, ["sign"]);
  const blocks = Math.ceil(dkLen / hashBytes);
  const out = new Uint8Array(blocks * hashBytes);
  const view = new DataView(out.buffer);
  for (let block = 1; block <= blocks; block++) {
    const msg = new Uint8Array(salt.length + 4);
    msg.set(salt);
    new DataView(msg.buffer).setUint32(salt.length, block);
    const u = toInts(new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, msg)), A.hashInts);
    const t = u.slice();
    for (let j = 1; j < iterations; j++) {
      w.set(u);
      step(inner);
      w.set(s);
      step(outer);
      for (let k = 0; k < A.hashInts; k++) {
        u[k] = s[k]!;
        t[k] = t[k]! ^ s[k]!;
      }
    }
    t.forEach((x, k) => view.setInt32((block - 1) * hashBytes + k * 4, x));
  }
  return out.slice(0, dkLen);
}
