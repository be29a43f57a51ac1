import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { expect, vi } from "vitest";
import { createWorker } from "../../src/app";
import { type Env, getConfig } from "../../src/config";
import { getDb } from "../../src/db/client";
import { buildDeps, type DepsOverrides } from "../../src/deps";
import { createMailer } from "../../src/mail";
import { observe } from "./documented-errors";

/**
 * The tests' clock: real time plus an offset that a test moves forward with `advance` (reset after
 * every test by setup.ts). Every token, row and counter of the Worker reads it through Deps.now.
 */
export const clock = {
  offset: 0,
  now: (): number => Date.now() + clock.offset,
  /** Moves time forward for the Worker (tokens expire, backoffs pass, windows roll over). */
  advance(ms: number): void {
    clock.offset += ms;
  },
};

/** Pieces of Deps a test swaps in (a fake mailer, a proxied D1...); cleared after every test by setup.ts. */
export const depsOverrides: DepsOverrides = {};

/** The Worker under test: the real one, built through the same seam with the test clock and overrides. */
export const worker = createWorker({
  makeDeps: (e, ctx, meta) => buildDeps(e, ctx, meta, { now: clock.now, ...depsOverrides }),
});

export const ADMIN_KEY = "test-admin-key-0123456789";
/** PUBLIC_BASE_URL of the test deployment (vitest.config.ts): links and issuers must use it. */
export const PUBLIC_BASE_URL = "https://reset.example.test";
/**
 * Where test requests are sent: on purpose not PUBLIC_BASE_URL, like a Worker reached through
 * workers.dev or a proxy, so a link or issuer built from the request's own Host fails every test.
 */
export const REQUEST_BASE = "https://worker-host.example.net";

const envCache = new Map<string, Env>();
const bindingEnvCache = new WeakMap<Partial<Env>, Map<string, Env>>();
/**
 * The test env with some vars (and optionally bindings, e.g. a fake KV) replaced. Cached per vars
 * and bindings object: config is parsed once per env object, and a binding keeps its identity.
 */
export function envWith(overrides: Partial<Record<keyof Env, string>> = {}, bindings?: Partial<Env>): Env {
  const key = JSON.stringify(overrides);
  const cache = bindings ? (bindingEnvCache.get(bindings) ?? new Map<string, Env>()) : envCache;
  if (bindings) bindingEnvCache.set(bindings, cache);
  let e = cache.get(key);
  if (!e) {
    e = { ...(env as unknown as Env), ...overrides, ...bindings } as Env;
    cache.set(key, e);
  }
  return e;
}

export interface CallOptions extends RequestInit {
  json?: unknown;
  env?: Partial<Record<keyof Env, string>>;
  /** Bindings replaced for this call (a fake KV or D1 modelling production); keep one object per fake. */
  bindings?: Partial<Env>;
  ip?: string;
  /** The request's cf.country, as Cloudflare's edge would set it. */
  country?: string;
  /** Leave background (waitUntil) work running instead of waiting for it. */
  background?: "wait" | "leave";
}

/** Calls the Worker's fetch handler and, by default, waits for its waitUntil work to finish. */
export async function api(path: string, opts: CallOptions = {}): Promise<Response> {
  const { json, env: overrides, bindings, ip, country, background = "wait", ...init } = opts;
  const headers = new Headers(init.headers);
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    init.body = JSON.stringify(json);
    init.method ??= "POST";
  }
  headers.set("CF-Connecting-IP", ip ?? "203.0.113.7");
  const ctx = createExecutionContext();
  const request = new Request(REQUEST_BASE + path, {
    ...init,
    headers,
    ...(country ? { cf: { country } } : {}),
  } as RequestInit);
  const res = await worker.fetch(request as never, envWith(overrides, bindings), ctx);
  if (background === "wait") await waitOnExecutionContext(ctx);
  await observe(request, res);
  return res;
}

export const adminHeaders = { Authorization: `Bearer ${ADMIN_KEY}` };

/**
 * Vars of a production deployment for `api(..., { env })`: production refuses the test secrets
 * (placeholder words) and the tests' low PASSWORD_HASH_ITERATIONS, so these replace them. Requests
 * made with it cannot use ADMIN_KEY (tenant API keys work: they are stored as plain SHA-256).
 */
export const PRODUCTION = {
  ENVIRONMENT: "production",
  MAIL_PROVIDER: "resend",
  ALLOW_LOW_HASH_ITERATIONS: "true",
  ADMIN_API_KEY: "rk_admin_Hq3Zv8Lm2Xw7Kp4Tn9Bd",
  SECRET_KEY: "Jr5Wq2Zx8Vn4Lk7Mp3Hd9Ts6Bf1Yc0Ga-Qe",
} as const;

/** A fresh address per test, so tests never depend on each other's data. */
export const uniqueEmail = (tag = "user") => `${tag}.${crypto.randomUUID().slice(0, 8)}@example.com`;

/** A strong password no policy rejects. */
export const strongPassword = () => `Correct-Horse-${crypto.randomUUID().slice(0, 8)}`;

/** Creates a user through the admin API and returns its JSON. */
export async function createUser(email = uniqueEmail(), password?: string): Promise<{ id: string; email: string }> {
  const res = await api("/v1/users", { json: { email, ...(password ? { password } : {}) }, headers: adminHeaders });
  if (res.status !== 201) throw new Error(`createUser: ${res.status} ${await res.text()}`);
  return res.json();
}

export interface CapturedMail {
  id: string;
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/** Every dev-mailbox message to an address, newest first. */
export async function mailTo(address: string): Promise<CapturedMail[]> {
  const res = await api("/dev/mailbox.json");
  const { messages } = (await res.json()) as { messages: CapturedMail[] };
  return messages.filter((m) => m.to === address);
}

/** The link token and code of the newest reset email to an address. */
export async function resetMail(
  address: string,
): Promise<{ token: string; code: string | null; link: string; mail: CapturedMail }> {
  const mail = (await mailTo(address)).find((m) => /token=/.test(m.text));
  if (!mail) throw new Error(`no reset mail for ${address}`);
  const link = /(https?:\/\/\S+token=[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  const token = new URL(link).searchParams.get("token")!;
  const code =
    /\b(\d{6})\b/.exec(mail.text.split("\n").find((l) => /code/i.test(l) && /\d{6}/.test(l)) ?? "")?.[1] ?? null;
  return { token, code, link, mail };
}

/** Requests a reset and returns what the email carried. */
export async function requestReset(email: string, extra: Record<string, unknown> = {}) {
  const res = await api("/v1/password-resets", { json: { email, ...extra } });
  if (res.status !== 202) throw new Error(`requestReset: ${res.status} ${await res.text()}`);
  return resetMail(email);
}

/** Reads rows straight from D1 (assertions on stored state). */
export async function rows<T = Record<string, unknown>>(sql: string, ...params: unknown[]): Promise<T[]> {
  return (
    await env.DB.prepare(sql)
      .bind(...params)
      .all<T>()
  ).results;
}

/** Posts an application/x-www-form-urlencoded body. */
export function postForm(
  path: string,
  fields: Record<string, string> | string,
  opts: CallOptions = {},
): Promise<Response> {
  const body = typeof fields === "string" ? fields : new URLSearchParams(fields).toString();
  return api(path, {
    ...opts,
    method: "POST",
    body,
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...(opts.headers as Record<string, string>) },
  });
}

/** Response header names except the per-request id (for "same bytes, same headers" checks). */
export const headerNames = (res: Response) => [...res.headers.keys()].filter((k) => k !== "x-request-id").sort();

/** The primary mailer a deployment with these vars would use (provider default base URLs unless given). */
export async function mailerWith(vars: Partial<Record<keyof Env, string>>, binding?: SendEmail) {
  const config = await getConfig(envWith({ MAIL_API_BASE_URL: "", ...vars }));
  return createMailer(config.mail, { options: config.mailOptions, db: getDb(env.DB), now: clock.now, binding });
}

/** Answers every fetch of the Worker (same isolate) with `answer()` and records the requests. */
export function captureFetch(answer: (req: Request) => Response | Promise<Response>): Request[] {
  const calls: Request[] = [];
  vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
    const req = new Request(input as RequestInfo, init);
    calls.push(req.clone());
    return answer(req);
  });
  return calls;
}

/** Runs the Cron Trigger handler once, as the platform would, against `e`. */
export async function runCron(e: Env = envWith()) {
  const ctx = createExecutionContext();
  await worker.scheduled(createScheduledController({ scheduledTime: clock.now(), cron: "* * * * *" }) as never, e, ctx);
  await waitOnExecutionContext(ctx);
}

export interface TestTenant {
  tenantId: string;
  apiKey: string;
  headers: Record<string, string>;
}

/** Creates a tenant with the root key; returns its first API key as ready-made headers. */
export async function newTenant(name = "Tenant"): Promise<TestTenant> {
  const res = await api("/v1/tenants", { json: { name }, headers: adminHeaders });
  if (res.status !== 201) throw new Error(`newTenant: ${res.status} ${await res.text()}`);
  const { tenantId, apiKey } = (await res.json()) as { tenantId: string; apiKey: string };
  return { tenantId, apiKey, headers: { Authorization: `Bearer ${apiKey}` } };
}

export interface TestClient {
  clientId: string;
  clientSecret: string;
  webhookSecret?: string;
  tenantId: string;
}

/** Creates a client with the given credentials (a tenant's headers, or root). */
export async function newClient(
  headers: Record<string, string>,
  body: Record<string, unknown> = {},
): Promise<TestClient> {
  const res = await api("/v1/clients", { json: { name: "App", ...body }, headers });
  if (res.status !== 201) throw new Error(`newClient: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Creates a user with the given credentials. */
export async function newUser(
  headers: Record<string, string>,
  body: Record<string, unknown> = {},
): Promise<{ id: string; email: string; tenantId: string }> {
  const res = await api("/v1/users", { json: { email: uniqueEmail(), ...body }, headers });
  if (res.status !== 201) throw new Error(`newUser: ${res.status} ${await res.text()}`);
  return res.json();
}

/** Basic credentials of a client. */
export const basic = (clientId: string, secret: string) => ({
  Authorization: `Basic ${btoa(`${clientId}:${secret}`)}`,
});

/** The machine code of a problem response. */
export const codeOf = async (res: Response) => ((await res.json()) as { code: string }).code;

/** The RFC 9457 body of a canonical error. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  code: string;
  requestId: string;
  errors?: { path: string; code: string; message: string }[];
}

/** Signs in (must succeed) and returns the access token with the session id it names. */
export async function signInAs(email: string, password: string): Promise<{ accessToken: string; sid: string }> {
  const res = await api("/v1/sessions", { json: { email, password } });
  expect(res.status).toBe(200);
  const { accessToken } = (await res.json()) as { accessToken: string };
  return { accessToken, sid: decodeJwt(accessToken).sid as string };
}

/** GET /v1/me with an access token. */
export const me = (accessToken: string) => api("/v1/me", { headers: { Authorization: `Bearer ${accessToken}` } });

/**
 * A D1 binding whose statements fail the way D1 does during an incident (a "D1_ERROR: ..."
 * rejection): every one, or only those whose SQL matches `only` (the others run on the real D1,
 * so a request gets past its first lookups). Through drizzle, single queries then throw
 * DrizzleQueryError, whose message lists the query's bound parameters: what must never be logged.
 */
export function failingD1(only?: RegExp, message = "D1_ERROR: Network connection lost."): D1Database {
  const real = env.DB;
  const fail = () => Promise.reject(new Error(message));
  const failing = (sql: string) => !only || only.test(sql);
  const REAL = Symbol("real statement");
  type Wrapped = D1PreparedStatement & { [REAL]: D1PreparedStatement; sql: string };
  const wrap = (sql: string, stmt: D1PreparedStatement): Wrapped => {
    const bad = failing(sql);
    const w = {
      [REAL]: stmt,
      sql,
      bind: (...values: unknown[]) => wrap(sql, stmt.bind(...values)),
      all: () => (bad ? fail() : stmt.all()),
      run: () => (bad ? fail() : stmt.run()),
      first: (col?: string) => (bad ? fail() : col === undefined ? stmt.first() : stmt.first(col)),
      raw: (opts?: { columnNames?: boolean }) => (bad ? fail() : stmt.raw(opts as never)),
    };
    return w as unknown as Wrapped;
  };
  return {
    prepare: (sql: string) => wrap(sql, real.prepare(sql)),
    batch: (stmts: Wrapped[]) =>
      stmts.some((st) => failing(st.sql)) ? fail() : real.batch(stmts.map((st) => st[REAL])),
    exec: fail,
    dump: fail,
    withSession: () => real.withSession(),
  } as never;
}

/** Captures every console line (log, warn, error) until vi.restoreAllMocks(). */
export function captureLogs(): string[] {
  const lines: string[] = [];
  const capture = (...args: unknown[]) =>
    void lines.push(args.map((a) => (a instanceof Error ? `${a.name}: ${a.message}` : String(a))).join(" "));
  vi.spyOn(console, "log").mockImplementation(capture);
  vi.spyOn(console, "warn").mockImplementation(capture);
  vi.spyOn(console, "error").mockImplementation(capture);
  return lines;
}

/** A request body that sends `bytes` (in 1 KiB chunks) and then stays open forever, like a stalled upload. */
export function endlessBody(bytes: number, fill = "x"): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode(fill.repeat(1024));
  let sent = 0;
  return new ReadableStream({
    pull(c) {
      if (sent >= bytes) return new Promise(() => {}); // never another byte, never the end
      c.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

/** The response, or "no answer" when none came within a few seconds (the body never ends, so waiting for it hangs). */
export const answerOf = (res: Promise<Response>): Promise<Response | "no answer"> =>
  Promise.race([res, new Promise<"no answer">((r) => setTimeout(() => r("no answer"), 3000))]);

/** PBKDF2 and HMAC work done while a test runs, per hash: deriveBits iterations, HMAC sign calls. */
export interface HashWork {
  pbkdf2: Record<string, number>;
  hmac: Record<string, number>;
}

/**
 * Spies (calling through) on crypto.subtle.deriveBits and sign, and returns a function that sums
 * the work done since the spy started or the last call: "the same wall time" measured as counts.
 */
export function spyHashWork(): () => HashWork {
  const derive = vi.spyOn(crypto.subtle, "deriveBits");
  const sign = vi.spyOn(crypto.subtle, "sign");
  const hashName = (h: unknown) => (typeof h === "string" ? h : ((h as { name?: string } | undefined)?.name ?? "?"));
  return () => {
    const work: HashWork = { pbkdf2: {}, hmac: {} };
    for (const [alg] of derive.mock.calls) {
      const a = alg as { name: string; hash?: unknown; iterations?: number };
      if (a.name === "PBKDF2") work.pbkdf2[hashName(a.hash)] = (work.pbkdf2[hashName(a.hash)] ?? 0) + a.iterations!;
    }
    for (const [alg, key] of sign.mock.calls) {
      if ((typeof alg === "string" ? alg : (alg as { name: string }).name) !== "HMAC") continue;
      const h = hashName((key as CryptoKey).algorithm && ((key as CryptoKey).algorithm as { hash?: unknown }).hash);
      work.hmac[h] = (work.hmac[h] ?? 0) + 1;
    }
    derive.mockClear();
    sign.mockClear();
    return work;
  };
}
