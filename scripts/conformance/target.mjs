// The service under test, seen from outside: HTTP calls to its canonical API and the emails it
// sends (its dev mailbox, or a fake resend-shaped mail API this process runs). Nothing here knows
// resetkit's source: only its documented API (public/openapi.json, README).
import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** Headers that legitimately differ between two responses (per request, per connection, per edge). */
export const VOLATILE_HEADERS = new Set([
  "date",
  "x-request-id",
  "cf-ray",
  "server",
  "server-timing",
  "report-to",
  "nel",
  "alt-svc",
  "connection",
  "keep-alive",
  "cf-cache-status",
  "transfer-encoding",
]);

const LOOPBACK = /^(localhost|127\.\d+\.\d+\.\d+|\[::1\])$/;

/**
 * A client of one deployment. `spreadIps`: give each check its own CF-Connecting-IP. Only a local
 * `wrangler dev` takes the header from the caller; Cloudflare's edge sets it itself, so against a
 * deployment every check shares the caller's one address (and its per-IP limits).
 */
export function createTarget({ baseUrl, adminKey, clientId, spreadIps }) {
  const base = new URL(baseUrl);
  const spread = spreadIps ?? LOOPBACK.test(base.hostname);
  // 2001:db8::/32 is the IPv6 documentation prefix; one /64 per check (limits key IPv6 by /64).
  const run = randomBytes(2).toString("hex");
  let nextIp = 0;
  /** calls counted per path, printed with the report (a deployment's per-IP limits must allow them) */
  const counts = new Map();

  /**
   * One HTTP request. `ip`: the CF-Connecting-IP to send when spreading. Returns status, headers
   * (lower-case names), the raw text, the parsed JSON (or null) and the time to the last byte.
   */
  async function call(method, path, { json, body, headers = {}, ip, admin = false } = {}) {
    const h = { ...headers };
    if (json !== undefined) h["Content-Type"] ??= "application/json";
    if (admin) h.Authorization = `Bearer ${adminKey}`;
    if (spread && ip) h["CF-Connecting-IP"] = ip;
    const key = `${method} ${path.replace(/\?.*$/, "").replace(/usr_[\w-]+/, "{userId}")}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const started = performance.now();
    const res = await fetch(new URL(path, base), {
      method,
      headers: h,
      body: json !== undefined ? JSON.stringify(json) : body,
      redirect: "manual",
    });
    const text = await res.text();
    const ms = performance.now() - started;
    let parsed = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, headers: Object.fromEntries(res.headers), text, json: parsed, ms };
  }

  /**
   * A request with headers fetch() will not send (Host), through node:http(s). The TLS server
   * name stays the real host, so a CDN in front refuses or misroutes it: callers treat any non-2xx
   * as "refused before the service", which is also safe.
   */
  function rawPost(path, json, headers) {
    const payload = Buffer.from(JSON.stringify(json));
    const send = base.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        {
          host: base.hostname.replace(/^\[|\]$/g, ""),
          port: base.port || (base.protocol === "https:" ? 443 : 80),
          servername: base.hostname,
          path,
          method: "POST",
          headers: { "Content-Type": "application/json", "Content-Length": payload.length, ...headers },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve({ status: res.statusCode ?? 0 }));
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  return {
    base,
    clientId,
    spread,
    counts,
    call,
    rawPost,
    /** A fresh synthetic client address (only sent when spreading). */
    newIp: () => `2001:db8:${run}:${(nextIp++).toString(16)}::1`,
    /** A fresh address nobody has: the kit's users and unknown accounts alike. */
    newEmail: (tag) => `rk-conformance-${tag}-${randomBytes(5).toString("hex")}@example.com`,
  };
}

/** Extracts what a reset email carries: the link, its token, the 6-digit code. */
export function parseResetMail(mail) {
  const link = /(https?:\/\/[^\s"'<>]*[?&]token=([A-Za-z0-9_-]+))/.exec(mail.text ?? "");
  const code = /\b(\d{6})\b/.exec(mail.text ?? "");
  return { link: link?.[1] ?? null, token: link?.[2] ?? null, code: code?.[1] ?? null };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `list()` until it holds `count` messages to `to` (oldest first) or `timeoutMs` passes. */
async function waitFor(list, to, count, timeoutMs) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const mine = (await list()).filter((m) => m.to === to);
    if (mine.length >= count || Date.now() > until) return mine;
    await sleep(250);
  }
}

/** Mail as the deployment's dev mailbox shows it (ENVIRONMENT=development only). */
export function devMailbox(target) {
  const list = async () => {
    const res = await target.call("GET", "/dev/mailbox.json");
    if (res.status !== 200) throw new Error(`GET /dev/mailbox.json answered ${res.status}`);
    // Newest first there; oldest first here.
    return res.json.messages
      .map((m) => ({ to: m.to, subject: m.subject, text: m.text, html: m.html, at: Date.parse(m.createdAt) }))
      .reverse();
  };
  return {
    kind: "dev mailbox (/dev/mailbox.json)",
    /** The messages to `to`, once there are at least `count` (fewer after `timeoutMs`). */
    waitFor: (to, count = 1, timeoutMs = 10_000) => waitFor(list, to, count, timeoutMs),
    close: async () => {},
  };
}

/**
 * A fake transactional-mail API shaped like Resend's (POST /emails, Bearer key, JSON
 * `{from, to[], subject, html, text}` -> 200 `{id}`), for a deployment whose MAIL_PROVIDER=resend
 * and MAIL_API_BASE_URL=http://<this host>:<port>. Every message is kept in memory.
 */
export async function fakeResend(port, host = "0.0.0.0") {
  const messages = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const reply = (status, obj) => {
        res.writeHead(status, { "Content-Type": "application/json" });
        res.end(JSON.stringify(obj));
      };
      if (req.method !== "POST" || req.url !== "/emails") return reply(404, { message: "not found" });
      if (!/^Bearer \S+/.test(req.headers.authorization ?? "")) return reply(401, { message: "missing API key" });
      let mail;
      try {
        mail = JSON.parse(body);
      } catch {
        return reply(422, { message: "invalid JSON" });
      }
      const id = randomBytes(8).toString("hex");
      for (const to of [mail.to].flat()) {
        messages.push({ to, subject: mail.subject, text: mail.text, html: mail.html, at: Date.now() });
      }
      reply(200, { id });
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    kind: `fake resend API on port ${port}`,
    waitFor: (to, count = 1, timeoutMs = 10_000) => waitFor(async () => messages, to, count, timeoutMs),
    close: () => new Promise((r) => server.close(() => r())),
  };
}
