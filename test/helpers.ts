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
