import { headerSafe, sendWithTimeout, type Mailer } from "./mailer";

/** Resend (https://resend.com/docs/api-reference/emails/send-email): Bearer key, Idempotency-Key header. */
export function resendMailer(opts: { apiKey: string; baseUrl: string; fetch?: typeof fetch }): Mailer {
  const doFetch = opts.fetch ?? ((input, init) => fetch(input, init));
  return {
    name: "resend",
    send(message, idempotencyKey) {
      return sendWithTimeout((signal) =>
        doFetch(`${opts.baseUrl}/emails`, {
          method: "POST",
          signal,
          headers: {
            Authorization: `Bearer ${opts.apiKey}`,
            "Content-Type": "application/json",
            "Idempotency-Key": idempotencyKey,
          },
          body: JSON.stringify({
            from: headerSafe(message.from),
            to: [headerSafe(message.to)],
            subject: headerSafe(message.subject),
            html: message.html,
            text: message.text,
          }),
        }),
      );
    },
  };
}
