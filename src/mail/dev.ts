import type { Db } from "../db/client";
import { captureDevMail } from "../db/dev-mailbox";
import { headerSafe, type Mailer } from "./mailer";

/** Development provider: captures messages in D1 for /dev/mailbox instead of sending them. */
export function devMailer(db: Db, now: () => number): Mailer {
  return {
    name: "dev",
    // The row id is the captured message's primary key.
    idempotencyWindowMs: Number.POSITIVE_INFINITY,
    async send(message, idempotencyKey) {
      // The idempotency key is the row id: a retried send of the same outbox row stores nothing new.
      await captureDevMail(db, {
        id: idempotencyKey,
        to: headerSafe(message.to),
        from: headerSafe(message.from),
        subject: headerSafe(message.subject),
        html: message.html,
        text: message.text,
        headers: JSON.stringify({ "Idempotency-Key": idempotencyKey }),
        createdAt: now(),
      });
      return { status: "sent", providerMessageId: idempotencyKey };
    },
  };
}
