import { envelope, type Mailer, parseAddress, SEND_TIMEOUT_MS, type SendResult } from "./mailer";

// Error codes of the send_email binding (developers.cloudflare.com/email-service/api/send-emails/workers-api/)
// that are about throughput or our sender setup rather than the message: worth retrying (or the fallback).
const RETRYABLE_CODES = new Set([
  "E_RATE_LIMIT_EXCEEDED",
  "E_DAILY_LIMIT_EXCEEDED",
  "E_INTERNAL_SERVER_ERROR",
  "E_SENDER_NOT_VERIFIED",
  "E_SENDER_DOMAIN_NOT_AVAILABLE",
]);

/** Classifies what the binding threw: known E_* codes by table, anything else (network, runtime) is retryable. */
export function classifyBindingError(e: unknown): SendResult {
  const code = String((e as { code?: unknown } | null)?.code ?? "");
  // The code only: a message could echo the recipient, and errors are stored in clear.
  if (!code.startsWith("E_"))
    return {
      status: "retryable",
      error: (e as Error | null)?.name === "TimeoutError" ? "timeout" : "send_email error",
    };
  return RETRYABLE_CODES.has(code) ? { status: "retryable", error: code } : { status: "permanent", error: code };
}

/**
 * Cloudflare Email Service through the `send_email` binding EMAIL, with the structured builder the
 * docs recommend (Cloudflare builds the MIME, Message-ID and encodings). No idempotency key exists.
 */
export function cloudflareMailer(binding: SendEmail): Mailer {
  return {
    name: "cloudflare",
    idempotencyWindowMs: 0,
    async send(message) {
      const { to, from, subject } = envelope(message);
      const sender = parseAddress(from);
      let timer: ReturnType<typeof setTimeout> | null = null;
      try {
        const sent = binding.send({
          from: sender.name ? { email: sender.email, name: sender.name } : sender.email,
          to,
          subject,
          html: message.html,
          text: message.text,
        });
        // A binding call cannot be aborted; stop waiting for it like for any provider.
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new DOMException("timed out", "TimeoutError")), SEND_TIMEOUT_MS);
        });
        const result = await Promise.race([sent, timeout]);
        return { status: "sent", providerMessageId: result?.messageId || undefined };
      } catch (e) {
        return classifyBindingError(e);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
