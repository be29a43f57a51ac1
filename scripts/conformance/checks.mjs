// The checks: each one a security claim of the README, exercised through the canonical API only,
// with the requirements it tests and the evidence it saw. A check passes only on what it observed;
// anything it could not observe (no email, an unexpected status) is a failure with that evidence.
//
// Requirement ids: OWASP ASVS 5.0.0 ("ASVS x.y.z"), NIST SP 800-63B-4 ("800-63B-4 §x"), the OWASP
// Forgot Password Cheat Sheet ("FPCS <section>") and the OWASP WSTG 4.2 test WSTG-ATHN-09.
import { randomBytes, randomInt } from "node:crypto";
import { parseResetMail, VOLATILE_HEADERS } from "./target.mjs";

const WSTG = "WSTG-ATHN-09";

/** A new password that any sane policy accepts (long, random, no composition trick). */
const newPassword = () => `kit passphrase ${randomBytes(6).toString("hex")} orbit lantern`;
const codeOf = (res) => res.json?.code ?? `(no code, ${res.status})`;
const statusCode = (res) => `${res.status} ${res.json?.code ?? ""}`.trim();
const isProblem = (res) => (res.headers["content-type"] ?? "").startsWith("application/problem+json");
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
/** Standard error of the median of `xs`, from their median absolute deviation (normal approximation). */
const medianError = (xs) => {
  const m = median(xs);
  return (1.2533 * 1.4826 * median(xs.map((x) => Math.abs(x - m)))) / Math.sqrt(xs.length);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A 6-digit code other than `code`. */
const wrongCode = (code) => {
  for (;;) {
    const c = String(randomInt(0, 1_000_000)).padStart(6, "0");
    if (c !== code) return c;
  }
};
const tally = (results) => {
  const by = new Map();
  for (const r of results) by.set(statusCode(r), (by.get(statusCode(r)) ?? 0) + 1);
  return [...by].map(([k, n]) => `${n}× ${k}`).join(", ");
};

/**
 * Steps shared by the checks, bound to one target and mail source. Every user the kit creates is
 * recorded, so that the run can delete them afterwards.
 */
export function steps(t, mail, created) {
  const s = {
    async user({ password, mfa, clientId } = {}) {
      const email = t.newEmail("user");
      const res = await t.call("POST", "/v1/users", {
        admin: true,
        json: { email, ...(password ? { password } : {}), ...(mfa ? { mfa } : {}), clientId: clientId ?? t.clientId },
      });
      if (res.status !== 201) throw new Error(`POST /v1/users answered ${statusCode(res)}`);
      created.push(res.json.id);
      return { email, id: res.json.id };
    },
    reset: (email, ip, extra = {}) =>
      t.call("POST", "/v1/password-resets", { ip, json: { email, clientId: t.clientId, ...extra } }),
    /** The `n`-th email to `email` (1 = the first), parsed; throws when it does not come. */
    async mail(email, n = 1) {
      const got = await mail.waitFor(email, n);
      if (got.length < n) throw new Error(`email #${n} to the account never arrived (${got.length} seen)`);
      return { ...got[n - 1], ...parseResetMail(got[n - 1]) };
    },
    /** Requests a reset and returns its email (the `n`-th one to that address). */
    async resetMail(email, ip, n = 1) {
      const res = await s.reset(email, ip);
      if (res.status !== 202) throw new Error(`POST /v1/password-resets answered ${statusCode(res)}`);
      return s.mail(email, n);
    },
    verify: (json, ip) => t.call("POST", "/v1/password-resets/verify", { ip, json }),
    verifyCode: (email, code, ip) => s.verify({ email, code, clientId: t.clientId }, ip),
    complete: (token, password, ip) =>
      t.call("POST", "/v1/password-resets/complete", { ip, json: { token, newPassword: password } }),
  };
  return s;
}

/** @typedef {{ pass: boolean, evidence: string }} Outcome */

/** Every check, in the order they run. `run(t, s, opts)` returns an Outcome. */
export const CHECKS = [
  {
    id: "enumeration-bytes",
    refs: ["ASVS 6.3.8", "FPCS Forgot Password Request", WSTG],
    what: "POST /v1/password-resets answers a known and an unknown address with the same status, bytes and headers",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const known = await s.reset(email, ip);
      const unknown = await s.reset(t.newEmail("nobody"), ip);
      const diffs = [];
      if (known.status !== unknown.status) diffs.push(`status ${known.status} vs ${unknown.status}`);
      if (known.text !== unknown.text) diffs.push(`body ${known.text.length} B vs ${unknown.text.length} B`);
      const names = new Set([...Object.keys(known.headers), ...Object.keys(unknown.headers)]);
      let compared = 0;
      for (const name of names) {
        if (VOLATILE_HEADERS.has(name)) continue;
        compared++;
        if (known.headers[name] !== unknown.headers[name]) diffs.push(`header ${name} differs`);
      }
      return {
        pass: known.status === 202 && diffs.length === 0,
        evidence: diffs.length
          ? `known ${known.status}, unknown ${unknown.status}: ${diffs.join("; ")}`
          : `both ${known.status}, ${known.text.length} B identical, ${compared} headers identical`,
      };
    },
  },
  {
    id: "enumeration-timing",
    refs: ["ASVS 6.3.8", "FPCS Forgot Password Request", WSTG],
    what: "the same request takes as long for a known as for an unknown address (12 or 30 interleaved pairs)",
    async run(t, s) {
      const ip = t.newIp();
      // 12 pairs fit in the default per-IP limit (30 per 15 min) a deployment applies to the caller;
      // with one address per pair (local wrangler dev), more samples average out a busy machine.
      const n = t.spread ? 30 : 12;
      const users = [];
      for (let i = 0; i <= n; i++) users.push((await s.user()).email);
      // One of each first: the first request after a pause pays for warming up, whatever the account.
      await s.reset(users.pop(), ip);
      await s.reset(t.newEmail("nobody"), ip);
      const known = [];
      const unknown = [];
      for (let i = 0; i < n; i++) {
        // Alternate which goes first, and let background work (the email) settle between requests.
        const pair = [
          ["k", users[i]],
          ["u", t.newEmail("nobody")],
        ];
        if (i % 2) pair.reverse();
        const pairIp = t.spread ? t.newIp() : ip;
        for (const [kind, email] of pair) {
          const res = await s.reset(email, pairIp);
          if (res.status !== 202) return { pass: false, evidence: `a request answered ${statusCode(res)}` };
          (kind === "k" ? known : unknown).push(res.ms);
          await sleep(100);
        }
      }
      // Paired: each known request against the unknown one next to it, so that a slow moment of the
      // machine or the network shifts both; and averaged over both orders (a crossover), since the
      // first request of a pair may be systematically slower or faster than the second.
      const gaps = known.map((k, i) => k - unknown[i]);
      const orders = [gaps.filter((_, i) => i % 2 === 0), gaps.filter((_, i) => i % 2 === 1)];
      const [knownFirst, unknownFirst] = orders.map(median);
      const gap = (knownFirst + unknownFirst) / 2;
      // The gap's standard error (from the median absolute deviation): on a busy machine the kit only
      // reports a gap it can tell from the noise, i.e. one that exceeds the bound by one error.
      const se = Math.hypot(...orders.map(medianError)) / 2;
      // What an attacker could tell apart over the network: a gap of more than 5 ms, or of 15%.
      const mk = median(known);
      const mu = median(unknown);
      const allowed = Math.max(5, 0.15 * Math.min(mk, mu));
      return {
        pass: Math.abs(gap) - se <= allowed,
        evidence: `median known ${mk.toFixed(1)} ms, unknown ${mu.toFixed(1)} ms (n=${n} each); paired gap ${gap.toFixed(1)} ± ${se.toFixed(1)} ms (order effect ${((knownFirst - unknownFirst) / 2).toFixed(1)} ms), allowed ±${allowed.toFixed(1)} ms`,
      };
    },
  },
  {
    id: "link-token-entropy",
    refs: ["ASVS 11.5.1", "FPCS URL Tokens", WSTG],
    what: "link tokens carry at least 256 bits (base64url, at least 43 characters) and never repeat",
    async run(t, s) {
      const ip = t.newIp();
      const tokens = [];
      for (let i = 0; i < 3; i++) tokens.push((await s.resetMail((await s.user()).email, ip)).token);
      if (tokens.some((x) => !x)) return { pass: false, evidence: "an email carried no token= link" };
      const bits = Math.min(...tokens.map((x) => Math.floor((x.length * 6) / 8) * 8));
      const distinct = new Set(tokens).size;
      return {
        pass: bits >= 256 && distinct === tokens.length,
        evidence: `${tokens.length} tokens, shortest ${Math.min(...tokens.map((x) => x.length))} chars = ${bits} bits, ${distinct} distinct`,
      };
    },
  },
  {
    id: "code-format",
    refs: ["ASVS 6.5.4", "800-63B-4 §3.1.3.2", "FPCS PINs"],
    what: "the email's code is 6 random digits (at least 20 bits)",
    async run(t, s) {
      const m = await s.resetMail((await s.user()).email, t.newIp());
      return { pass: /^\d{6}$/.test(m.code ?? ""), evidence: m.code ? "6-digit code in the email" : "no 6-digit code" };
    },
  },
  {
    id: "no-consume-on-read",
    refs: ["FPCS URL Tokens", WSTG],
    what: "GET and HEAD of the reset page and POST /verify with the link token never consume it (mail scanners)",
    async run(t, s) {
      const ip = t.newIp();
      const { token } = await s.resetMail((await s.user()).email, ip);
      const page = `/reset-password?token=${token}`;
      const get = await t.call("GET", page, { ip });
      const head = await t.call("HEAD", page, { ip });
      const v1 = await s.verify({ token }, ip);
      const v2 = await s.verify({ token }, ip);
      const done = await s.complete(token, newPassword(), ip);
      return {
        pass:
          get.status === 200 && head.status === 200 && v1.status === 200 && v2.status === 200 && done.status === 200,
        evidence: `GET ${get.status}, HEAD ${head.status}, verify ${v1.status} then ${v2.status}; complete afterwards ${statusCode(done)}`,
      };
    },
  },
  {
    id: "step-up-before-completion",
    refs: ["ASVS 6.4.3", "FPCS User Resets Password"],
    what: "a reset of an account with a second factor, through a client with stepUp, does not complete without the product's proof (403 STEP_UP_REQUIRED + challenge, nothing consumed)",
    async run(t, s) {
      const ip = t.newIp();
      const own = await t.call("GET", `/v1/clients/${encodeURIComponent(t.clientId)}`, { ip, admin: true });
      const made = await t.call("POST", "/v1/clients", {
        ip,
        admin: true,
        json: {
          name: "conformance step-up",
          tenantId: own.json?.tenantId,
          stepUp: { url: "https://product.example/mfa" },
        },
      });
      if (made.status !== 201) throw new Error(`POST /v1/clients answered ${statusCode(made)}`);
      try {
        const { email } = await s.user({ mfa: true, clientId: made.json.clientId });
        const res = await s.reset(email, ip, { clientId: made.json.clientId });
        if (res.status !== 202) throw new Error(`POST /v1/password-resets answered ${statusCode(res)}`);
        const { token } = await s.mail(email);
        const first = await s.complete(token, newPassword(), ip);
        const again = await s.complete(token, newPassword(), ip);
        const still = await s.verify({ token }, ip);
        return {
          pass:
            first.status === 403 &&
            first.json?.code === "STEP_UP_REQUIRED" &&
            typeof first.json?.challenge === "string" &&
            again.json?.code === "STEP_UP_REQUIRED" &&
            still.status === 200,
          evidence: `complete without proof: ${statusCode(first)}${typeof first.json?.challenge === "string" ? " + challenge" : ", no challenge"}; again: ${statusCode(again)}; verify afterwards ${still.status}`,
        };
      } finally {
        await t.call("DELETE", `/v1/clients/${encodeURIComponent(made.json.clientId)}`, { ip, admin: true });
      }
    },
  },
  {
    id: "single-use-race",
    refs: ["ASVS 6.5.1", "ASVS 15.4.2", "FPCS URL Tokens", WSTG],
    what: "10 concurrent completions with one link token: exactly one succeeds, the others and a later one get TOKEN_USED",
    async run(t, s) {
      const ip = t.newIp();
      const { token } = await s.resetMail((await s.user()).email, ip);
      const results = await Promise.all(Array.from({ length: 10 }, () => s.complete(token, newPassword(), ip)));
      const later = await s.complete(token, newPassword(), ip);
      const wins = results.filter((r) => r.status === 200).length;
      const used = results.filter((r) => r.json?.code === "TOKEN_USED").length;
      return {
        pass: wins === 1 && used === 9 && later.json?.code === "TOKEN_USED",
        evidence: `${tally(results)}; then ${statusCode(later)}`,
      };
    },
  },
  {
    id: "code-single-use",
    refs: ["ASVS 6.5.1", "800-63B-4 §3.1.3.2", WSTG],
    what: "a correct code works once; the reset token it yields completes once",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const { code } = await s.resetMail(email, ip);
      const first = await s.verifyCode(email, code, ip);
      const again = await s.verifyCode(email, code, ip);
      const jwt = first.json?.resetToken;
      const done = jwt ? await s.complete(jwt, newPassword(), ip) : first;
      const twice = jwt ? await s.complete(jwt, newPassword(), ip) : first;
      return {
        pass:
          first.status === 200 && again.json?.code === "INVALID_CODE" && done.status === 200 && twice.status === 410,
        evidence: `code ${first.status} then ${statusCode(again)}; its reset token: complete ${done.status} then ${statusCode(twice)}`,
      };
    },
  },
  {
    id: "code-attempt-cap",
    refs: ["ASVS 6.6.3", "800-63B-4 §3.2.2", "FPCS PINs", WSTG],
    what: "after 5 wrong codes (sent in parallel) the right code is refused too",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const { code, token } = await s.resetMail(email, ip);
      const wrong = await Promise.all(Array.from({ length: 5 }, () => s.verifyCode(email, wrongCode(code), ip)));
      const right = await s.verifyCode(email, code, ip);
      const link = await s.verify({ token }, ip);
      return {
        pass: wrong.every((r) => r.json?.code === "INVALID_CODE") && right.json?.code === "INVALID_CODE",
        evidence: `5 wrong: ${tally(wrong)}; right code then: ${statusCode(right)} (link token: ${link.status})`,
      };
    },
  },
  {
    id: "code-account-budget",
    refs: ["ASVS 6.6.3", "800-63B-4 §3.2.2", WSTG],
    what: "10 wrong codes per account in 24 h (over 2 resets): a 3rd reset's right code is refused, its link still works",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const wrong = [];
      for (let n = 1; n <= 2; n++) {
        const { code } = await s.resetMail(email, ip, n);
        for (let i = 0; i < 5; i++) wrong.push(await s.verifyCode(email, wrongCode(code), ip));
      }
      const third = await s.resetMail(email, ip, 3);
      const right = await s.verifyCode(email, third.code, ip);
      const link = await s.verify({ token: third.token }, ip);
      return {
        pass:
          wrong.every((r) => r.json?.code === "INVALID_CODE") &&
          right.json?.code === "INVALID_CODE" &&
          link.status === 200,
        evidence: `10 wrong: ${tally(wrong)}; 3rd reset's right code: ${statusCode(right)} (want 400 INVALID_CODE); its link: ${link.status}`,
      };
    },
  },
  {
    id: "new-request-supersedes",
    refs: ["ASVS 6.6.2", "FPCS URL Tokens", WSTG],
    what: "a second request kills the first one's link and code; the second link works",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const first = await s.resetMail(email, ip, 1);
      const second = await s.resetMail(email, ip, 2);
      const oldLink = await s.verify({ token: first.token }, ip);
      const oldCode = first.code === second.code ? null : await s.verifyCode(email, first.code, ip);
      const newLink = await s.verify({ token: second.token }, ip);
      return {
        pass:
          oldLink.status === 410 &&
          oldLink.json?.code === "TOKEN_USED" &&
          (oldCode === null || oldCode.json?.code === "INVALID_CODE") &&
          newLink.status === 200,
        evidence: `old link ${statusCode(oldLink)}, old code ${oldCode ? statusCode(oldCode) : "(same digits, skipped)"}, new link ${newLink.status}`,
      };
    },
  },
  {
    id: "sessions-revoked",
    refs: ["ASVS 7.4.3", "FPCS User Resets Password", WSTG],
    what: "completing a reset ends the sessions signed in before it; only the new password signs in",
    async run(t, s) {
      const ip = t.newIp();
      const old = newPassword();
      const { email } = await s.user({ password: old });
      const signIn = (password) =>
        t.call("POST", "/v1/sessions", { ip, json: { email, password, clientId: t.clientId } });
      const session = await signIn(old);
      const access = session.json?.accessToken;
      const me = () => t.call("GET", "/v1/me", { ip, headers: { Authorization: `Bearer ${access}` } });
      const before = await me();
      const { token } = await s.resetMail(email, ip);
      const fresh = newPassword();
      const done = await s.complete(token, fresh, ip);
      const after = await me();
      const oldPw = await signIn(old);
      const newPw = await signIn(fresh);
      return {
        pass:
          session.status === 200 &&
          before.status === 200 &&
          done.status === 200 &&
          after.status === 401 &&
          oldPw.status === 401 &&
          newPw.status === 200,
        evidence: `/v1/me before ${before.status}, after ${statusCode(after)}; old password ${statusCode(oldPw)}, new ${newPw.status}`,
      };
    },
  },
  {
    id: "password-changed-notice",
    refs: ["ASVS 6.3.7", "800-63B-4 §4.2", "FPCS User Resets Password"],
    what: "a completed reset sends the account a second, different email (the password-changed notice)",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const reset = await s.resetMail(email, ip);
      const done = await s.complete(reset.token, newPassword(), ip);
      const notice = await s.mail(email, 2);
      return {
        pass: done.status === 200 && notice.subject !== reset.subject && !notice.text.includes(reset.token),
        evidence: `complete ${done.status}; then "${notice.subject}" (the reset email was "${reset.subject}")`,
      };
    },
  },
  {
    id: "links-ignore-host-headers",
    refs: ["ASVS 4.1.3", "FPCS URL Tokens", WSTG],
    what: "reset links never take their host from Host, X-Forwarded-Host or Forwarded",
    async run(t, s) {
      const ip = t.newIp();
      const { email } = await s.user();
      const evil = "evil.example";
      // Each request's email is awaited before the next request: a service may treat requests for
      // one address that arrive together as one (resetkit does), and send one email for them.
      const mails = [];
      const sent = async (res) => {
        if (res.status === 202) mails.push(await s.mail(email, mails.length + 1));
        return res;
      };
      await sent(await s.reset(email, ip));
      const proxied = await sent(
        await t.call("POST", "/v1/password-resets", {
          ip,
          json: { email, clientId: t.clientId },
          headers: { "X-Forwarded-Host": evil, Forwarded: `host=${evil};proto=https`, "X-Forwarded-Proto": "https" },
        }),
      );
      const hostHeaders = { Host: evil, "X-Forwarded-Host": evil };
      if (t.spread) hostHeaders["CF-Connecting-IP"] = ip;
      const forged = await sent(await t.rawPost("/v1/password-resets", { email, clientId: t.clientId }, hostHeaders));
      const links = mails.map((m) => m.link);
      const bad = links.filter((l) => !l || l.includes(evil));
      const hosts = [...new Set(links.filter(Boolean).map((l) => new URL(l).host))];
      return {
        pass: proxied.status === 202 && bad.length === 0 && mails.length >= 2,
        evidence:
          `X-Forwarded-Host/Forwarded: ${proxied.status}; Host: ${evil}: ${forged.status === 202 ? "202" : `refused (${forged.status})`}; ` +
          `${links.length} links, hosts ${hosts.join(", ") || "none"}${bad.length ? `; ${bad.length} bad` : ""}`,
      };
    },
  },
  {
    id: "redirect-allowlist-exact",
    refs: ["ASVS 3.7.2", WSTG],
    what: "redirectUri must equal an allowlisted URI exactly: 6 look-alikes are refused (400 REDIRECT_URI_NOT_ALLOWED)",
    async run(t, s) {
      const ip = t.newIp();
      const client = await t.call("GET", `/v1/clients/${encodeURIComponent(t.clientId)}`, { admin: true });
      if (client.status !== 200)
        return { pass: false, evidence: `GET /v1/clients/{id} answered ${statusCode(client)}` };
      const allowed = client.json.redirectUris ?? [];
      const variants = ["https://evil.example/"];
      let exact = null;
      if (allowed.length) {
        const u = new URL(allowed[0]);
        const path = u.pathname + u.search;
        variants.push(
          `${allowed[0]}${allowed[0].endsWith("/") ? "" : "/"}x`,
          `${allowed[0]}${u.search ? "&" : "?"}next=https://evil.example/`,
          `${u.protocol}//${u.hostname}.evil.example${u.port ? `:${u.port}` : ""}${path}`,
          `${u.protocol}//${u.host}@evil.example${path}`,
          `${u.protocol}//evil.example${path}`,
        );
        exact = await s.reset(t.newEmail("redirect"), ip, { redirectUri: allowed[0] });
      }
      const refused = [];
      for (const uri of variants) refused.push(await s.reset(t.newEmail("redirect"), ip, { redirectUri: uri }));
      // VALIDATION_FAILED (a URI the schema already rejects) is a refusal too.
      const allRefused = refused.every(
        (r) => r.status === 400 && ["REDIRECT_URI_NOT_ALLOWED", "VALIDATION_FAILED"].includes(r.json?.code),
      );
      return {
        pass: allRefused && (exact === null || exact.status === 202),
        evidence:
          `${exact ? `allowlisted ${exact.status}; ` : "no allowlisted URI; "}` +
          `${variants.length} look-alikes: ${tally(refused)}`,
      };
    },
  },
  {
    id: "rate-limit-concurrent-known",
    refs: ["ASVS 2.4.1", "ASVS 6.3.1", "800-63B-4 §3.2.2", "FPCS Forgot Password Request"],
    what: "20 simultaneous requests for one known address: exactly resetPerEmail (5) accepted, the rest 429 RATE_LIMITED",
    async run(t, s, opts) {
      const { email } = await s.user();
      return burst(t, s, email, opts.resetPerEmail);
    },
  },
  {
    id: "rate-limit-concurrent-unknown",
    refs: ["ASVS 2.4.1", "ASVS 6.3.8", "800-63B-4 §3.2.2", "FPCS Forgot Password Request"],
    what: "the same 20 simultaneous requests for an unknown address: the same counts",
    async run(t, s, opts) {
      return burst(t, s, t.newEmail("nobody"), opts.resetPerEmail);
    },
  },
  {
    id: "problem-json-errors",
    refs: ["ASVS 2.2.1", "ASVS 16.5.1"],
    what: "malformed, invalid, oversized and non-JSON bodies get 400/400/413/415 problem+json with their codes",
    async run(t) {
      const ip = t.newIp();
      const post = (body, headers) => t.call("POST", "/v1/password-resets", { ip, body, headers });
      const json = { "Content-Type": "application/json" };
      const cases = [
        [400, "MALFORMED_JSON", await post("{", json)],
        [400, "VALIDATION_FAILED", await post(JSON.stringify({ email: "not-an-address" }), json)],
        [400, "VALIDATION_FAILED", await post(JSON.stringify({ email: t.newEmail("x"), role: "admin" }), json)],
        [
          413,
          "PAYLOAD_TOO_LARGE",
          await post(JSON.stringify({ email: t.newEmail("x"), pad: "a".repeat(17_000) }), json),
        ],
        [415, "UNSUPPORTED_MEDIA_TYPE", await post("email=a@example.com", { "Content-Type": "text/plain" })],
      ];
      const bad = cases.filter(
        ([status, code, r]) =>
          r.status !== status ||
          !isProblem(r) ||
          r.json?.status !== status ||
          r.json?.code !== code ||
          /"stack"|\bat \w+ \(/.test(r.text),
      );
      return {
        pass: bad.length === 0,
        evidence: cases
          .map(
            ([status, code, r]) =>
              `${statusCode(r)}${isProblem(r) ? "" : " (not problem+json)"}${r.status === status && r.json?.code === code ? "" : ` (want ${status} ${code})`}`,
          )
          .join(", "),
      };
    },
  },
  {
    id: "page-headers",
    refs: ["ASVS 3.4.3", "ASVS 3.4.4", "ASVS 3.4.5", "ASVS 3.4.6", "ASVS 3.4.8", "ASVS 14.3.2", "FPCS URL Tokens"],
    what: "the hosted reset and forgot pages send a strict CSP, no-referrer, no-store, nosniff, frame-ancestors and COOP",
    async run(t, s) {
      const ip = t.newIp();
      const { token } = await s.resetMail((await s.user()).email, ip);
      const problems = [];
      for (const path of [`/reset-password?token=${token}`, "/forgot-password"]) {
        const res = await t.call("GET", path, { ip });
        const h = res.headers;
        const name = path.split("?")[0];
        const csp = h["content-security-policy"] ?? "";
        const scripts = /(?:^|;)\s*script-src ([^;]*)/.exec(csp)?.[1] ?? /(?:^|;)\s*default-src ([^;]*)/.exec(csp)?.[1];
        if (res.status !== 200) problems.push(`${name} ${res.status}`);
        if (!scripts || /'unsafe-inline'|'unsafe-eval'|\*|https?:(?:\s|$)/.test(scripts))
          problems.push(`${name} CSP script-src "${scripts ?? "none"}"`);
        if (!/frame-ancestors '(none|self)'/.test(csp)) problems.push(`${name} no frame-ancestors`);
        if (h["referrer-policy"] !== "no-referrer") problems.push(`${name} Referrer-Policy ${h["referrer-policy"]}`);
        if (!/no-store/.test(h["cache-control"] ?? "")) problems.push(`${name} Cache-Control ${h["cache-control"]}`);
        if (h["x-content-type-options"] !== "nosniff") problems.push(`${name} no nosniff`);
        if (!/^same-origin/.test(h["cross-origin-opener-policy"] ?? "")) problems.push(`${name} no COOP`);
      }
      return {
        pass: problems.length === 0,
        evidence: problems.length
          ? problems.join("; ")
          : "both pages: CSP script-src without inline/wildcards, frame-ancestors, no-referrer, no-store, nosniff, COOP",
      };
    },
  },
  {
    id: "reset-grant-lifetime",
    refs: ["ASVS 6.5.5", "ASVS 14.3.2", "800-63B-4 §3.1.3.2"],
    what: "the reset token /verify hands out expires within 10 minutes and its response is not cacheable",
    async run(t, s) {
      const ip = t.newIp();
      const { token } = await s.resetMail((await s.user()).email, ip);
      const res = await s.verify({ token }, ip);
      // Against the server's own clock (its Date header, to the second), not this machine's.
      const now = Date.parse(res.headers.date ?? "") || Date.now();
      const seconds = Math.round((Date.parse(res.json?.expiresAt ?? "") - now) / 1000);
      const noStore = /no-store/.test(res.headers["cache-control"] ?? "");
      return {
        pass: res.status === 200 && seconds > 0 && seconds <= 600 + 1 && noStore,
        evidence: `verify ${res.status}; expires in ${Number.isNaN(seconds) ? "?" : seconds} s (max 600); Cache-Control ${res.headers["cache-control"] ?? "none"}`,
      };
    },
  },
  {
    id: "new-password-policy",
    refs: ["ASVS 6.2.1", "ASVS 6.2.4", "ASVS 6.2.5", "ASVS 6.2.9", "800-63B-4 §3.1.1.2", "FPCS User Resets Password"],
    what: "completion refuses a 7-character and a common password (each with its rule code); takes a 72-character lowercase passphrase",
    async run(t, s) {
      const ip = t.newIp();
      const { token } = await s.resetMail((await s.user()).email, ip);
      const rules = (r) => (r.json?.errors ?? []).map((e) => e.code);
      const short = await s.complete(token, "kq7#vbx", ip);
      const common = await s.complete(token, "password123", ip);
      const long = `${"correct horse battery staple ".repeat(3)}${randomBytes(4).toString("hex")}`.slice(0, 72);
      const ok = await s.complete(token, long, ip);
      return {
        pass:
          rules(short).includes("PASSWORD_TOO_SHORT") &&
          rules(common).includes("PASSWORD_TOO_COMMON") &&
          ok.status === 200,
        evidence: `7 chars: ${statusCode(short)} [${rules(short)}]; "password123": ${codeOf(common)} [${rules(common)}]; 72-char passphrase: ${ok.status}`,
      };
    },
  },
  {
    id: "admin-routes-refuse-bad-keys",
    refs: ["ASVS 8.2.1", "ASVS 8.3.1"],
    what: "admin routes answer 401 UNAUTHORIZED without a key, with a wrong or near-miss key and with wrong client credentials",
    async run(t, s, opts) {
      const ip = t.newIp();
      const { id } = await s.user();
      const routes = [
        ["GET", `/v1/users/${id}`],
        ["POST", "/v1/users", { email: t.newEmail("admin") }],
        ["GET", "/v1/events"],
        ["POST", "/v1/tenants", { name: "conformance" }],
        ["POST", `/v1/users/${id}/password-reset?clientId=${encodeURIComponent(t.clientId)}`],
      ];
      const key = opts.adminKey;
      const nearMiss = key.slice(0, -1) + (key.endsWith("A") ? "B" : "A");
      const basic = `Basic ${Buffer.from(`${t.clientId}:wrong-secret`).toString("base64")}`;
      const credentials = [undefined, "Bearer wrong-key", `Bearer ${nearMiss}`, basic, `Bearer ${key} extra`];
      const results = [];
      for (const [method, path, json] of routes) {
        for (const auth of credentials) {
          const headers = auth ? { Authorization: auth } : {};
          results.push(await t.call(method, path, { ip, json, headers }));
        }
      }
      const control = await t.call("GET", `/v1/users/${id}`, { ip, admin: true });
      const refused = results.filter((r) => r.status === 401 && r.json?.code === "UNAUTHORIZED").length;
      return {
        pass: refused === results.length && control.status === 200,
        evidence: `${routes.length} routes × ${credentials.length} bad credentials: ${tally(results)}; the real key: ${control.status}`,
      };
    },
  },
];

/** `n` simultaneous requests for one address from one client address; exactly `limit` may pass. */
async function burst(t, s, email, limit, n = 20) {
  const ip = t.newIp();
  const results = await Promise.all(Array.from({ length: n }, () => s.reset(email, ip)));
  const accepted = results.filter((r) => r.status === 202).length;
  const limited = results.filter(
    (r) => r.status === 429 && r.json?.code === "RATE_LIMITED" && r.headers["retry-after"],
  );
  return {
    pass: accepted === limit && limited.length === n - limit,
    evidence: `${n} at once: ${tally(results)} (want ${limit}× 202, ${n - limit}× 429 RATE_LIMITED with Retry-After)`,
  };
}
