import { hc } from "hono/client";
import type { AppType } from "./app";

export type { AppType };

/**
 * Typed client for the resetkit API (Hono RPC): request bodies and JSON responses are checked by
 * TypeScript against the routes themselves.
 *
 * ```ts
 * import { createResetkitClient } from "resetkit/client";
 * const rk = createResetkitClient("https://reset.example.com");
 * await rk.v1["password-resets"].$post({ json: { email: "ada@example.com" } });
 * const res = await rk.v1.sessions.$post({ json: { email, password } });
 * if (res.ok) { const { accessToken } = await res.json(); }
 * ```
 * Admin calls: pass `headers: { Authorization: "Bearer <api key>" }` in the options.
 */
export function createResetkitClient(baseUrl: string, options?: Parameters<typeof hc>[1]) {
  return hc<AppType>(baseUrl, options);
}
