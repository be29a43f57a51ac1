import type { Deps } from "../deps";
import type { Client } from "../domain/client";

/** The reset link: built from configuration only (client resetUrl or PUBLIC_BASE_URL), never from Host headers. */
export function buildResetLink(deps: Deps, client: Client, token: string): string {
  const url = new URL(client.resetUrl ?? `${deps.config.publicBaseUrl}/reset-password`);
  url.searchParams.set("token", token);
  return url.toString();
}
