import { signAwsPost } from "../crypto/aws-sigv4";
import { b64, utf8 } from "../crypto/encoding";
import { envelope, fetcher, type HttpMailerOptions, type Mailer, parseAddress, sendWithTimeout } from "./mailer";

// SES error types (x-amzn-ErrorType) that are about throughput or account state, not the message:
// worth retrying, and what the fallback provider exists for. MessageRejected, BadRequest... stay permanent.
const RETRYABLE_TYPES =
  /^(TooManyRequests|LimitExceeded|Throttling|SendingPaused|AccountSuspended|MailFromDomainNotVerified)/;

/** A display name as SES wants it: quoted when it has specials, RFC 2047 encoded-words when not ASCII. */
export function displayName(name: string): string {
  if (/^[\x20-\x7e]*$/.test(name)) return /[()<>[\]:;@\\,."]/.test(name) ? `"${name.replace(/["\\]/g, "")}"` : name;
  const words: string[] = [];
  let chunk = "";
  for (const ch of name) {
    // Words stay under 75 characters: 45 bytes of UTF-8 become 60 base64 characters: with "=?UTF-8?B?" and "?=" a word stays at 72.
    if (utf8(chunk + ch).length > 45) {
      words.push(chunk);
      chunk = "";
    }
    chunk += ch;
  }
  words.push(chunk);
  // B-encoding is standard base64 with its padding (b64() strips it).
  const padded = (s: string) => s + "=".repeat((4 - (s.length % 4)) % 4);
  return words.map((w) => `=?UTF-8?B?${padded(b64(utf8(w)))}?=`).join(" ");
}

/**
 * Amazon SES v2 (POST /v2/email/outbound-emails), signed with SigV4 (src/crypto/aws-sigv4.ts; AWS
 * checks the signature's time, so it is the real clock's). MAIL_API_KEY = "ACCESS_KEY_ID:SECRET_ACCESS_KEY",
 * region MAIL_SES_REGION. No idempotency key exists: a retry after a lost response may deliver twice.
 */
export function sesMailer(opts: HttpMailerOptions & { region: string }): Mailer {
  const doFetch = fetcher(opts);
  const sep = opts.apiKey.indexOf(":");
  const credentials = { accessKeyId: opts.apiKey.slice(0, sep), secretAccessKey: opts.apiKey.slice(sep + 1) };
  return {
    name: "ses",
    idempotencyWindowMs: 0,
    send(message) {
      const { to, from, subject } = envelope(message);
      const sender = parseAddress(from);
      const utf = (Data: string) => ({ Data, Charset: "UTF-8" });
      const body = JSON.stringify({
        FromEmailAddress: sender.name ? `${displayName(sender.name)} <${sender.email}>` : sender.email,
        Destination: { ToAddresses: [to] },
        Content: { Simple: { Subject: utf(subject), Body: { Text: utf(message.text), Html: utf(message.html) } } },
      });
      return sendWithTimeout(
        async (signal) => {
          const url = new URL(`${opts.baseUrl}/v2/email/outbound-emails`);
          const headers = await signAwsPost({
            ...credentials,
            url,
            body,
            service: "ses",
            region: opts.region,
            now: Date.now(),
          });
          return doFetch(url, { method: "POST", headers, body, signal });
        },
        {
          messageId: (b) => b.MessageId,
          retryable: (b, res) =>
            RETRYABLE_TYPES.test(res.headers.get("x-amzn-ErrorType") ?? String(b.__type ?? b.code ?? "")),
        },
      );
    },
  };
}
