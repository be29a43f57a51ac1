import { seal } from "../crypto/envelope";
import { newId } from "../crypto/tokens";
import { suppressionKey } from "../db/suppressions";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { normalizeEmail, senderDomainAllowed } from "../domain/email";
import { matchLocale } from "../domain/locale";
import { headerSafe, type OutgoingEmail } from "../mail/mailer";
import { renderEmail, type TemplateName, type TemplateVars } from "../mail/templates/render";
import type { OutboxInsert } from "./store";

// One plain address: anything else (a second address, a display name, a line break) is not a sender.
const PLAIN_ADDRESS = /^[^\s@<>",;:()[\]\\]+@[^\s@<>",;:()[\]\\]+\.[^\s@<>",;:()[\]\\]+$/;

/**
 * The From header: the client's branded sender when set, well-formed and still on one of the
 * deployment's sender domains (MAIL_FROM_DOMAINS may have changed since it was stored), else MAIL_FROM.
 */
export function fromAddress(deps: Deps, client: Client): string {
  const b = client.branding;
  if (
    b.fromAddress &&
    PLAIN_ADDRESS.test(b.fromAddress) &&
    senderDomainAllowed(b.fromAddress, deps.config.mailFromDomains)
  ) {
    const name = b.fromName ? headerSafe(b.fromName.replace(/["<>\\]/g, "")) : "";
    return name ? `"${name}" <${b.fromAddress}>` : b.fromAddress;
  }
  return headerSafe(deps.config.mail.from);
}

/** Renders a template for one recipient, in the client's branding and sender. */
export async function renderMessage(
  deps: Deps,
  opts: { template: TemplateName; client: Client; to: string; locale: string; vars: Omit<TemplateVars, "product"> },
): Promise<OutgoingEmail> {
  const product = opts.client.branding.productName ?? opts.client.name;
  const locale = matchLocale(opts.locale) ?? "en";
  const messages = await deps.catalog("mail", locale);
  const rendered = renderEmail(opts.template, locale, { product, ...opts.vars }, opts.client.branding, messages);
  return { to: opts.to, from: fromAddress(deps, opts.client), ...rendered };
}

/** Renders a message and seals it into an outbox row (to be inserted in the same batch as what it announces). */
export async function composeEmail(
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
  const message = await renderMessage(deps, opts);
  const id = newId("msg_");
  keepComposed(id, message);
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
    // Checked against the suppression list in the insert itself, and again by every later claim.
    toHash: await suppressionKey(deps.config.keys.lookup, normalizeEmail(opts.to)),
    createdAt: now,
  };
}

/**
 * Messages this isolate composed and has not attempted yet, by row id: the request's own first
 * attempt sends the message it just composed instead of opening the seal again (decrypting it was
 * ~2% of the request endpoint's CPU). At most COMPOSED_KEPT (the oldest go first: their attempt then
 * opens the payload, as every retry and the cron do). `composed`: the row's payload holds only what
 * the message was composed from (src/outbox/reset-email.ts), not the message.
 */
const kept = new Map<string, ComposedEmail>();
const COMPOSED_KEPT = 100;

/** A message ready to send; `composed` when it was composed from a payload that is not the message itself. */
export interface ComposedEmail {
  message: OutgoingEmail;
  composed: boolean;
}

export function keepComposed(id: string, message: OutgoingEmail, composed = false): void {
  kept.set(id, { message, composed });
  if (kept.size > COMPOSED_KEPT) kept.delete(kept.keys().next().value!);
}

/** The message composed here for this row, once (null: open the payload). */
export function takeComposed(id: string): ComposedEmail | null {
  const m = kept.get(id) ?? null;
  kept.delete(id);
  return m;
}
