import type { Context } from "hono";
import type { Client } from "../../db/clients";
import { AppError } from "../../domain/errors";
import { resolveClient } from "../../flows/support";
import type { AppEnv } from "../../http/context";
import { jsonBody } from "../../http/middleware";

/** Page posts: urlencoded forms only (what browsers send without JavaScript), at most 16 KiB. */
export const formBody = () => jsonBody(["application/x-www-form-urlencoded"]);

/** The posted form as strings (absent or file fields read as ""). */
export async function formFields(c: Context<AppEnv>): Promise<(name: string) => string> {
  const body = await c.req.parseBody();
  return (name) => {
    const v = body[name];
    return typeof v === "string" ? v : "";
  };
}

/** True when the script posted the form and wants JSON back (inline errors) instead of a page. */
export const wantsJson = (c: Context<AppEnv>) => (c.req.header("Accept") ?? "").includes("application/json");

/**
 * The client a journey runs for, and its redirect URI only if it is on that client's allowlist
 * (exact match): anything else is refused before a single email is sent.
 */
export async function journeyClient(c: Context<AppEnv>, clientId: string | undefined, redirectUri: string | undefined): Promise<{ client: Client; redirectUri: string | null }> {
  const client = await resolveClient(c.get("deps"), clientId || null);
  if (redirectUri && !client.redirectUris.includes(redirectUri)) {
    throw new AppError("REDIRECT_URI_NOT_ALLOWED", "redirect_uri must exactly match one of the client's redirect URIs.");
  }
  return { client, redirectUri: redirectUri || null };
}
