import type { Context } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import { b64url, randomBytes } from "../crypto/encoding";
import { hmacHex, newId, timingSafeEqualStr } from "../crypto/tokens";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";
import type { AppEnv } from "./context";

// Security of the hosted HTML pages: their response headers (nonce CSP) and CSRF protection of their forms.

/** Form tokens stay valid this long (a reset link lives 30 min by default; people get distracted). */
export const CSRF_TTL_SECONDS = 2 * 3600;

/** A fresh CSP nonce (128 bits) for one response. */
export const newNonce = (): string => b64url(randomBytes(16));

/**
 * Headers of every hosted HTML page: scripts and styles only with this response's nonce, nothing
 * framed (clickjacking), forms posted only here, and the URL (which may hold a token) never sent
 * as Referer nor cached.
 */
export function pageHeaders(nonce: string, imgOrigin: string | null, extra: string[] = []): Record<string, string> {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    `img-src 'self'${imgOrigin ? ` ${imgOrigin}` : ""}`,
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    ...extra,
  ].join("; ");
  return {
    "Content-Security-Policy": csp,
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
  };
}

const secureSite = (deps: Deps) => deps.config.publicBaseUrl.startsWith("https:");
const cookieName = (deps: Deps) => (secureSite(deps) ? "__Host-rk_csrf" : "rk_csrf");
const COOKIE_VALUE = /^[A-Za-z0-9_-]{22}$/;

function readCookie(c: Context<AppEnv>, name: string): string | null {
  const value = getCookie(c, name);
  return value && COOKIE_VALUE.test(value) ? value : null;
}

/** The browser's CSRF cookie (a random id), set now when it has none: forms are bound to it. */
export function ensureCsrfCookie(c: Context<AppEnv>, deps: Deps): string {
  const name = cookieName(deps);
  const existing = readCookie(c, name);
  if (existing) return existing;
  const id = newId();
  // Lax: sent on the top-level GET from an email link, never on another site's POST. No Max-Age:
  // it lives as long as the browser session, which is as long as any form needs it.
  setCookie(c, name, id, { path: "/", httpOnly: true, sameSite: "Lax", secure: secureSite(deps) });
  return id;
}

const mac = (deps: Deps, form: string, cookie: string, binding: string, exp: number) =>
  hmacHex(deps.config.keys.csrf, [form, cookie, binding, exp].join("\n"));

/** A signed form token bound to the form, the browser's cookie and (reset forms) the reset token itself. */
export async function csrfToken(deps: Deps, cookie: string, form: string, binding = ""): Promise<string> {
  const exp = Math.floor(deps.now() / 1000) + CSRF_TTL_SECONDS;
  return `${exp}.${await mac(deps, form, cookie, binding, exp)}`;
}

/**
 * Rejects cross-site form posts with CSRF_FAILED: the browser must say the request came from this
 * origin (Sec-Fetch-Site, else Origin; with Referrer-Policy no-referrer browsers send "Origin: null"
 * on our own posts, so that one value is left to the token), and the token must match the cookie.
 */
export async function verifyCsrf(
  c: Context<AppEnv>,
  deps: Deps,
  form: string,
  submitted: unknown,
  binding = "",
): Promise<void> {
  const site = c.req.header("Sec-Fetch-Site");
  const origin = c.req.header("Origin");
  if (site && site !== "same-origin") throw new AppError("CSRF_FAILED", "Cross-site form post.");
  if (origin && origin !== "null" && origin !== new URL(deps.config.publicBaseUrl).origin)
    throw new AppError("CSRF_FAILED", "Foreign Origin.");
  const cookie = readCookie(c, cookieName(deps));
  const m = typeof submitted === "string" ? /^(\d{1,12})\.([0-9a-f]{64})$/.exec(submitted) : null;
  if (!cookie || !m) throw new AppError("CSRF_FAILED");
  const exp = Number(m[1]);
  const ok = await timingSafeEqualStr(m[2]!, await mac(deps, form, cookie, binding, exp));
  if (!ok || exp * 1000 <= deps.now()) throw new AppError("CSRF_FAILED");
}
