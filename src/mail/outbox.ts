import type { Deps } from "../deps";
import type { Client } from "../db/clients";
import type { OutboxInsert } from "../db/outbox";
import { seal } from "../crypto/envelope";
import { newId } from "../crypto/tokens";
import { headerSafe, type OutgoingEmail } from "./mailer";
import { renderEmail, type TemplateName, type TemplateVars } from "./templates/render";

/** The From header: the client's branded sender when set, else MAIL_FROM. */
export function fromAddress(deps: Deps, client: Client): string {
  const b = client.branding;
  if (!b.fromAddress) return headerSafe(deps.config.mail.from);
  const name = (b.fromName ?? "").replace(/["<>\\]/g, "").trim();
  // RFC 5322: a display name with specials (a comma, a dot...) must be quoted, or it reads as two addresses.
  const display = /[()[\]:;@,.]/.test(name) ? `"${name}"` : name;
  return headerSafe(display ? `${display} <${b.fromAddress}>` : b.fromAddress);
}

/** Renders a message and seals it into an outbox row (to be inserted in the same batch as what it announces). */
export async function prepareEmail(
  deps: Deps,
  opts: {
    template: TemplateName;
    client: Client;
    to: string;
    locale: string;
    vars: Omit<TemplateVars, "product">;
    userId: string;
    resetRequestId?: string;
    /** Drop instead of send after this instant (the token inside is dead by then). */
    expiresAt?: number;
  },
): Promise<OutboxInsert> {
  const product = opts.client.branding.productName ?? opts.client.name;
  const rendered = renderEmail(opts.template, opts.locale, { product, ...opts.vars }, opts.client.branding);
  const message: OutgoingEmail = { to: opts.to, from: fromAddress(deps, opts.client), ...rendered };
  const id = newId("msg_");
  const now = deps.now();
  return {
    id,
    tenantId: opts.client.tenantId,
    clientId: opts.client.id,
    userId: opts.userId,
    resetRequestId: opts.resetRequestId ?? null,
    template: opts.template,
    status: "queued",
    // Bound to its row id as associated data: a payload copied to another row does not decrypt.
    payload: await seal(deps.config.keys.outbox, message, id),
    attempts: 0,
    nextAttemptAt: now,
    expiresAt: opts.expiresAt ?? null,
    createdAt: now,
  };
}
