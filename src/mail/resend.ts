import { envelope, type HttpMailerOptions, type Mailer, postJson } from "./mailer";

/**
 * Resend (POST /emails, https://resend.com/docs/api-reference/emails/send-email): Bearer key;
 * the row id as Idempotency-Key, which Resend deduplicates for 24 h.
 */
export function resendMailer(opts: HttpMailerOptions): Mailer {
  return {
    name: "resend",
    // Resend keeps an Idempotency-Key 24 hours.
    idempotencyWindowMs: 24 * 3_600_000,
    send(message, idempotencyKey) {
      const { to, from, subject } = envelope(message);
      return postJson(
        opts,
        "/emails",
        { Authorization: `Bearer ${opts.apiKey}`, "Idempotency-Key": idempotencyKey },
        { from, to: [to], subject, html: message.html, text: message.text },
      );
    },
  };
}
