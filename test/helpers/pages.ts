import { expect } from "vitest";
import { api, type CallOptions, createUser, requestReset, strongPassword, uniqueEmail } from ".";

/** A browser-like session: keeps the CSRF cookie between requests, like a real one would. */
export interface PageSession {
  cookie: string | null;
  headers: Record<string, string>;
}

export const newSession = (headers: Record<string, string> = {}): PageSession => ({ cookie: null, headers });

/** The page's HTML, its status and headers, remembering any cookie it sets. */
export async function visit(
  s: PageSession,
  path: string,
  opts: CallOptions = {},
): Promise<{ res: Response; html: string }> {
  const headers = new Headers({ ...s.headers, ...(opts.headers as Record<string, string> | undefined) });
  if (s.cookie) headers.set("Cookie", s.cookie);
  const res = await api(path, { ...opts, headers });
  const set = res.headers.get("Set-Cookie");
  if (set) s.cookie = set.split(";")[0]!;
  return { res, html: await res.text() };
}

/** Posts a form the way a browser without JavaScript does (same-origin, urlencoded). */
export function submit(
  s: PageSession,
  path: string,
  fields: Record<string, string>,
  extra: Record<string, string> = {},
) {
  return visit(s, path, {
    method: "POST",
    body: new URLSearchParams(fields).toString(),
    headers: {
      "Content-Type": "application/x-www-form-urlencoded",
      "Sec-Fetch-Site": "same-origin",
      Origin: "null",
      ...extra,
    },
  });
}

/** The value of the first input with this name (our values never need entity decoding in tests). */
export function inputValue(html: string, name: string): string {
  const tag = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(html)?.[0];
  if (!tag) throw new Error(`no input named ${name}`);
  return /value="([^"]*)"/.exec(tag)?.[1] ?? "";
}

/** Every hidden and visible input of the first form posting to `action`, as name -> value. */
export function formOf(html: string, action: string): Record<string, string> {
  const form = new RegExp(`<form[^>]*action="${action}"[^>]*>([\\s\\S]*?)</form>`).exec(html)?.[1];
  if (!form) throw new Error(`no form posting to ${action}`);
  const out: Record<string, string> = {};
  for (const m of form.matchAll(/<input[^>]*name="([^"]+)"[^>]*>/g))
    out[m[1]!] = /value="([^"]*)"/.exec(m[0])?.[1] ?? "";
  return out;
}

/** The text of the <h1>. */
export const heading = (html: string) => /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1] ?? "";

/** Signs in through the API (the proof that a reset worked). */
export const signIn = (email: string, password: string, clientId?: string) =>
  api("/v1/sessions", { json: { email, password, ...(clientId ? { clientId } : {}) } });

/** Asserts the security headers of a hosted page and that every script/style carries this response's nonce. */
export function expectSecurePage(res: Response, html: string) {
  expect(res.headers.get("Content-Type")).toContain("text/html");
  const csp = res.headers.get("Content-Security-Policy") ?? "";
  const nonce = /script-src 'nonce-([A-Za-z0-9_-]{22})'/.exec(csp)?.[1];
  expect(nonce).toBeTruthy();
  expect(csp).toContain(`style-src 'nonce-${nonce}'`);
  for (const d of ["default-src 'none'", "frame-ancestors 'none'", "form-action 'self'", "base-uri 'none'"])
    expect(csp).toContain(d);
  expect(csp).not.toContain("unsafe-inline");
  expect(res.headers.get("Referrer-Policy")).toBe("no-referrer");
  expect(res.headers.get("Cache-Control")).toBe("no-store");
  expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  // Every script, style and stylesheet link carries this response's nonce (inline or not).
  const tags = [...html.matchAll(/<(script|style|link rel="stylesheet")\b([^>]*)>/g)];
  expect(tags.length).toBeGreaterThanOrEqual(1);
  for (const t of tags) expect(t[2]).toContain(`nonce="${nonce}"`);
  expect(html).not.toMatch(/\sstyle="/);
  expect(html).not.toMatch(/\son[a-z]+="/);
  return nonce!;
}

/** A user with a password and a fresh reset (link token and code). */
export async function userWithReset(opts: { clientId?: string; locale?: string; redirectUri?: string } = {}) {
  const email = uniqueEmail("page");
  const password = strongPassword();
  await createUser(email, password);
  const mail = await requestReset(email, {
    ...(opts.clientId ? { clientId: opts.clientId } : {}),
    ...(opts.redirectUri ? { redirectUri: opts.redirectUri } : {}),
  });
  return { email, password, ...mail };
}
