import { envelope, fetcher, type HttpMailerOptions, type Mailer, sendWithTimeout } from "./mailer";

/**
 * Mailgun (POST /v3/{domain}/messages as multipart form data, https://documentation.mailgun.com):
 * Basic auth `api:KEY`; the sending domain is MAIL_MAILGUN_DOMAIN (default: MAIL_FROM's domain);
 * EU domains use MAIL_API_BASE_URL=https://api.eu.mailgun.net. No idempotency key exists.
 */
export function mailgunMailer(opts: HttpMailerOptions & { domain: string }): Mailer {
  const doFetch = fetcher(opts);
  return {
    name: "mailgun",
    idempotencyWindowMs: 0,
    send(message) {
      const { to, from, subject } = envelope(message);
      const form = new FormData();
      form.set("from", from);
      form.set("to", to);
      form.set("subject", subject);
      form.set("text", message.text);
      form.set("html", message.html);
      return sendWithTimeout((signal) =>
        doFetch(`${opts.baseUrl}/v3/${encodeURIComponent(opts.domain)}/messages`, {
          method: "POST",
          signal,
          headers: { Authorization: `Basic ${btoa(`api:${opts.apiKey}`)}` },
          body: form,
        }),
      );
    },
  };
}
