import { envelope, type HttpMailerOptions, type Mailer, postJson } from "./mailer";

// Postmark answers 422 with an ErrorCode; these mean our token, sender signature or account is not
// ready (fixable by an operator, or by the fallback provider), not that the message is bad.
// 300 (invalid request) and 406 (inactive recipient) stay permanent.
const CONFIG_ERROR_CODES = new Set([10, 400, 401, 405, 412, 413]);

/**
 * Postmark (POST /email, https://postmarkapp.com/developer/user-guide/send-email-with-api):
 * X-Postmark-Server-Token, MessageStream (MAIL_POSTMARK_STREAM, default "outbound").
 * No idempotency key exists: a retry after a lost response may deliver twice.
 */
export function postmarkMailer(opts: HttpMailerOptions & { messageStream: string }): Mailer {
  return {
    name: "postmark",
    idempotencyWindowMs: 0,
    send(message) {
      const { to, from, subject } = envelope(message);
      return postJson(
        opts,
        "/email",
        { Accept: "application/json", "X-Postmark-Server-Token": opts.apiKey },
        {
          From: from,
          To: to,
          Subject: subject,
          HtmlBody: message.html,
          TextBody: message.text,
          MessageStream: opts.messageStream,
        },
        { messageId: (b) => b.MessageID, retryable: (b) => CONFIG_ERROR_CODES.has(Number(b.ErrorCode)) },
      );
    },
  };
}
