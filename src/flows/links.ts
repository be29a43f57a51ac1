import type { Deps } from "../deps";
import type { Client } from "../domain/client";

/** The reset link: built from configuration only (client resetUrl or PUBLIC_BASE_URL), never from Host headers. */
export function buildResetLink(deps: Deps, client: Client, token: string): string {
  const url = new URL(client.resetUrl ?? `${deps.config.publicBaseUrl}/reset-password`);
  url.searchParams.set("token", token);
  return url.toString();
}

/** The hosted "forgot password" page of a client (the "this was not me" button of the changed email). */
export function forgotPasswordUrl(deps: Deps, client: Client): string {
  const url = new URL(`${deps.config.publicBaseUrl}/forgot-password`);
  if (client.id !== deps.config.defaultClientId) url.searchParams.set("client_id", client.id);
  return url.toString();
}
