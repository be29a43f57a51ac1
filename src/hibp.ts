import { hex, utf8 } from "./crypto/encoding";

/** Outcome of a breached-password lookup; "unavailable" means fail-open (the caller audits it). */
export type BreachResult =
  | { status: "breached"; count: number }
  | { status: "clean" }
  | { status: "unavailable"; reason: string };

/** The HIBP range API must answer within this time, or the check fails open. */
export const HIBP_TIMEOUT_MS = 1500;
/**
 * A padded range answer is ~40 KiB (about 1,000 lines of 37 bytes); reading stops here and the
 * check fails open, so a wrong HIBP_API_BASE_URL (a large file, a proxy's error page) cannot fill memory.
 */
export const HIBP_MAX_BYTES = 256 * 1024;

/** The body as text, or null once it passes `max` bytes (the rest is never read). */
async function boundedText(res: Response, max: number): Promise<string | null> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return new TextDecoder().decode(all);
}

/**
 * Have I Been Pwned "Pwned Passwords" k-anonymity lookup: only the first 5 hex characters of the
 * SHA-1 leave the Worker; the suffix is matched locally. `Add-Padding` makes every response about
 * the same size, so an observer cannot guess the prefix from the response length. Padding lines
 * have a count of 0 and never match.
 */
export async function checkBreached(
  baseUrl: string,
  password: string,
  doFetch: typeof fetch = (i, init) => fetch(i, init),
): Promise<BreachResult> {
  const sha1 = hex(await crypto.subtle.digest("SHA-1", utf8(password.normalize("NFKC")))).toUpperCase();
  const prefix = sha1.slice(0, 5);
  const suffix = sha1.slice(5);
  let body: string;
  try {
    const res = await doFetch(`${baseUrl}/range/${prefix}`, {
      headers: { "Add-Padding": "true", "User-Agent": "resetkit" },
      signal: AbortSignal.timeout(HIBP_TIMEOUT_MS),
    });
    if (!res.ok) {
      await res.body?.cancel();
      return { status: "unavailable", reason: `http_${res.status}` };
    }
    const text = await boundedText(res, HIBP_MAX_BYTES);
    if (text === null) return { status: "unavailable", reason: "too_large" };
    body = text;
  } catch (e) {
    const name = (e as { name?: string }).name;
    return { status: "unavailable", reason: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network" };
  }
  for (const line of body.split("\n")) {
    const [s, n] = line.trim().split(":");
    if (s?.toUpperCase() === suffix) {
      const count = Number(n);
      return count > 0 ? { status: "breached", count } : { status: "clean" };
    }
  }
  return { status: "clean" };
}
