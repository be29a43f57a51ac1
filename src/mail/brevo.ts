import { hex, utf8 } from "../crypto/encoding";
import { envelope, type HttpMailerOptions, type Mailer, parseAddress, postJson } from "./mailer";

/**
 * Brevo wants its idempotencyKey to be a UUID: derive one from the row id (SHA-256, UUIDv8 layout),
 * so every retry of a row carries the same key.
 */
export async function uuidFromKey(key: string): Promise<string> {
  const b = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8(key))).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x80;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = hex(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Brevo (POST /v3/smtp/email, https://developers.brevo.com/reference/sendtransacemail): `api-key`
 * header; `headers.idempotencyKey` (Brevo keeps it 30 minutes) derived from the row id.
 */
export function brevoMailer(opts: HttpMailerOptions): Mailer {
  return {
    name: "brevo",
    // Brevo keeps its idempotencyKey 30 minutes.
    idempotencyWindowMs: 30 * 60_000,
    async send(message, idempotencyKey) {
      const { to, from, subject } = envelope(message);
      return postJson(
        opts,
        "/v3/smtp/email",
        { Accept: "application/json", "api-key": opts.apiKey },
        {
          sender: parseAddress(from),
          to: [{ email: to }],
          subject,
          htmlContent: message.html,
          textContent: message.text,
          headers: { idempotencyKey: await uuidFromKey(idempotencyKey) },
        },
        { messageId: (b) => b.messageId },
      );
    },
  };
}
