import { MAX_ATTEMPTS } from "../../config/mail";
import { open, seal } from "../../crypto/envelope";
import { findWebhookTarget } from "../../db/clients";
import type { Deps } from "../../deps";
import type { Mailer, OutgoingEmail } from "../../mail/mailer";
import { type ComposedEmail, takeComposed } from "../compose-email";
import { composeWebhook } from "../compose-webhook";
import { composeStoredReset, type ResetSecrets } from "../reset-email";
import { insertOutbox, type OutboxRow } from "../store";
import type { Channel } from "./types";

/** The provider for this attempt: the fallback once the row switched to it (and it is still configured). */
function mailerFor(deps: Deps, row: OutboxRow): Mailer {
  return deps.fallbackMailer && row.provider === deps.fallbackMailer.name ? deps.fallbackMailer : deps.mailer;
}

/**
 * What an email row's payload opens to: the message itself, or (the request endpoint's resets,
 * src/db/reset-batch.ts) only its reset's secrets, composed now from the rows they belong to.
 */
async function openEmail(deps: Deps, row: OutboxRow): Promise<ComposedEmail | null> {
  const sealed = await open<OutgoingEmail | { resetSecrets: ResetSecrets }>(
    deps.config.keys.outbox,
    row.payload ?? "",
    row.id,
  );
  if (!("resetSecrets" in sealed)) return { message: sealed, composed: false };
  const message = await composeStoredReset(deps, row, sealed.resetSecrets);
  return message && { message, composed: true };
}

/**
 * Emails through MAIL_PROVIDER, with the row id as idempotency key (a crash between send and mark
 * re-sends with the same key). After MAIL_FALLBACK_AFTER retryable failures the row switches to
 * MAIL_FALLBACK_PROVIDER for its remaining attempts.
 */
export const emailChannel: Channel = {
  name: "email",
  label: (row) => ({ messageId: row.id, template: row.template }),
  provider: (deps, row) => mailerFor(deps, row).name,
  async send(deps, row) {
    const email = (row.attempts <= 1 ? takeComposed(row.id) : null) ?? (await openEmail(deps, row));
    if (!email) return { status: "dropped", reason: "reset_gone" };
    const result = await mailerFor(deps, row).send(email.message, row.id);
    // Composed from its reset's secrets: its retries get the message itself, sealed, and send it as is.
    if (result.status === "retryable" && email.composed)
      return { ...result, payload: await seal(deps.config.keys.outbox, email.message, row.id) };
    return result;
  },
  switchProvider(deps, row, provider) {
    const fallback = deps.fallbackMailer;
    // Same idempotency key on the fallback, but keys do not cross providers: a primary timeout that
    // in fact delivered can be followed by a second copy (same content and token). Delivery wins.
    const after = deps.config.mailFallback?.after ?? MAX_ATTEMPTS;
    return fallback && provider !== fallback.name && row.attempts >= after ? fallback.name : null;
  },
  // The client hears about a message that will never be delivered (webhook `email.failed`), through
  // the outbox like any other event: queued here, sent by the next cron run.
  async onGiveUp(deps, row, error) {
    const target = await findWebhookTarget(deps.db, row.clientId);
    const client = { id: row.clientId, tenantId: row.tenantId, webhookUrl: target?.url ?? null };
    const data = { messageId: row.id, template: row.template, userId: row.userId, resetId: row.resetRequestId, error };
    const hook = await composeWebhook(deps, client, "email.failed", data, row.userId);
    return hook ? [insertOutbox(deps.db, hook)] : [];
  },
};
