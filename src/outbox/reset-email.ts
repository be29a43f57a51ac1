import { findResetForEmail } from "../db/resets";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import type { OutgoingEmail } from "../mail/mailer";
import type { TemplateVars } from "../mail/templates/render";
import { renderMessage } from "./compose-email";
import type { OutboxRow } from "./store";

/** What a reset email carries that the database keeps only as hashes: the link token and the code. */
export interface ResetSecrets {
  token: string;
  code: string | null;
}

/** The reset link: built from configuration only (client resetUrl or PUBLIC_BASE_URL), never from Host headers. */
export function buildResetLink(deps: Deps, client: Client, token: string): string {
  const url = new URL(client.resetUrl ?? `${deps.config.publicBaseUrl}/reset-password`);
  url.searchParams.set("token", token);
  return url.toString();
}

/** The variables of a reset email (self-service or admin-initiated) whose link lives `ttlSeconds`. */
export function resetEmailVars(
  deps: Deps,
  client: Client,
  opts: { name: string | null; secrets: ResetSecrets; ttlSeconds: number; notMeLink?: string },
): Omit<TemplateVars, "product"> {
  return {
    name: opts.name,
    link: buildResetLink(deps, client, opts.secrets.token),
    code: opts.secrets.code ?? undefined,
    minutes: Math.round(opts.ttlSeconds / 60),
    hours: Math.round(opts.ttlSeconds / 3600),
    codeMinutes: Math.round(client.codeTtlSeconds / 60),
    notMeLink: opts.notMeLink,
  };
}

/**
 * The email of a self-service reset, from the reset as stored and its secrets: what the request
 * endpoint's lookup group sends after its batch, and what a retry of such a row composes again.
 */
export const renderResetEmail = (
  deps: Deps,
  client: Client,
  user: { email: string; name: string | null },
  reset: { locale: string | null; expiresAt: number; createdAt: number },
  secrets: ResetSecrets,
): Promise<OutgoingEmail> =>
  renderMessage(deps, {
    template: "reset",
    client,
    to: user.email,
    locale: reset.locale ?? client.defaultLocale,
    vars: resetEmailVars(deps, client, {
      name: user.name,
      secrets,
      ttlSeconds: Math.round((reset.expiresAt - reset.createdAt) / 1000),
    }),
  });

/**
 * An outbox row sealed with only its reset's secrets (the request endpoint's, src/db/reset-batch.ts),
 * composed for an attempt after the first: from the reset, its user and its client as they are now
 * (one D1 call). Null when there is nothing left to send: the reset, user or client is gone, or the
 * reset was used or superseded (its link would not work).
 */
export async function composeStoredReset(deps: Deps, row: OutboxRow, secrets: ResetSecrets) {
  const found = row.resetRequestId ? await findResetForEmail(deps.db, row.resetRequestId) : null;
  if (!found || found.reset.consumedAt !== null || found.reset.invalidatedAt !== null) return null;
  return renderResetEmail(deps, found.client, found.user, found.reset, secrets);
}
