import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../src/index";
import type { Env } from "../src/config";

export const ADMIN_KEY = "test-admin-key-0123456789";
const BASE = "https://reset.example.test";

const envCache = new Map<string, Env>();
/** The test env with some vars replaced (cached: config is parsed once per env object). */
export function envWith(overrides: Partial<Record<keyof Env, string>> = {}): Env {
  const key = JSON.stringify(overrides);
  let e = envCache.get(key);
  if (!e) {
    e = { ...(env as unknown as Env), ...overrides } as Env;
    envCache.set(key, e);
  }
  return e;
}

export interface CallOptions extends RequestInit {
  json?: unknown;
  env?: Partial<Record<keyof Env, string>>;
  ip?: string;
  /** Leave background (waitUntil) work running instead of waiting for it. */
  background?: "wait" | "leave";
}

/** Calls the Worker's fetch handler and, by default, waits for its waitUntil work to finish. */
export async function api(path: string, opts: CallOptions = {}): Promise<Response> {
  const { json, env: overrides, ip, background = "wait", ...init } = opts;
  const headers = new Headers(init.headers);
  if (json !== undefined) {
    headers.set("Content-Type", "application/json");
    init.body = JSON.stringify(json);
    init.method ??= "POST";
  }
  headers.set("CF-Connecting-IP", ip ?? "203.0.113.7");
  const ctx = createExecutionContext();
  const res = await worker.fetch!(new Request(BASE + path, { ...init, headers }) as never, envWith(overrides), ctx);
  if (background === "wait") await waitOnExecutionContext(ctx);
  return res;
}

export const adminHeaders = { Authorization: `Bearer ${ADMIN_KEY}` };

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
export async function resetMail(address: string): Promise<{ token: string; code: string | null; link: string; mail: CapturedMail }> {
  const mail = (await mailTo(address)).find((m) => /token=/.test(m.text));
  if (!mail) throw new Error(`no reset mail for ${address}`);
  const link = /(https?:\/\/\S+token=[A-Za-z0-9_-]+)/.exec(mail.text)![1]!;
  const token = new URL(link).searchParams.get("token")!;
  const code = /\b(\d{6})\b/.exec(mail.text.split("\n").find((l) => /code/i.test(l) && /\d{6}/.test(l)) ?? "")?.[1] ?? null;
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
  return (await env.DB.prepare(sql).bind(...params).all<T>()).results;
}

/** Inserts a client of the default tenant straight into D1 (no admin route creates clients yet). */
export async function createClient(opts: {
  branding?: Record<string, string>;
  redirectUris?: string[];
  defaultLocale?: string;
  passwordPolicy?: Record<string, unknown>;
  name?: string;
} = {}): Promise<string> {
  const id = `cl_${crypto.randomUUID().slice(0, 8)}`;
  await env.DB.prepare(
    "INSERT INTO clients (id, tenant_id, name, redirect_uris, branding, default_locale, password_policy, issue_login_token, created_at) VALUES (?, 'default', ?, ?, ?, ?, ?, 1, ?)",
  )
    .bind(id, opts.name ?? "Test client", JSON.stringify(opts.redirectUris ?? []), JSON.stringify(opts.branding ?? {}), opts.defaultLocale ?? "en", JSON.stringify(opts.passwordPolicy ?? {}), Date.now())
    .run();
  return id;
}
