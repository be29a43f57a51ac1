import { envelope, type HttpMailerOptions, type Mailer, parseAddress, postJson } from "./mailer";

/**
 * SendGrid v3 (POST /v3/mail/send, https://www.twilio.com/docs/sendgrid/api-reference/mail-send):
 * Bearer key; 202 with the id in X-Message-Id. EU subusers: MAIL_API_BASE_URL=https://api.eu.sendgrid.com.
 * No idempotency key exists: a retry after a lost response may deliver twice.
 */
export function sendgridMailer(opts: HttpMailerOptions): Mailer {
  return {
    name: "sendgrid",
    idempotencyWindowMs: 0,
    send(message) {
      const { to, from, subject } = envelope(message);
      return postJson(
        opts,
        "/v3/mail/send",
        { Authorization: `Bearer ${opts.apiKey}` },
        {
          personalizations: [{ to: [{ email: to }] }],
          from: parseAddress(from),
          subject,
          // SendGrid requires text/plain before text/html.
          content: [
            { type: "text/plain", value: message.text },
            { type: "text/html", value: message.html },
          ],
        },
        { messageId: (_b, res) => res.headers.get("X-Message-Id") },
      );
    },
  };
}
