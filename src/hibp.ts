import { hex, utf8 } from "./crypto/encoding";

/** Outcome of a breached-password lookup; "unavailable" means fail-open (the caller audits it). */
export type BreachResult =
  | { status: "breached"; count: number }
  | { status: "clean" }
  | { status: "unavailable"; reason: string };

/** The HIBP range API must answer within this time, or the check fails open. */
export const HIBP_TIMEOUT_MS = 1500;

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
    if (!res.ok) return { status: "unavailable", reason: `http_${res.status}` };
    body = await res.text();
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
