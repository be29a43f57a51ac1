/** A fully rendered message, as stored (encrypted) in the outbox. */
export interface OutgoingEmail {
  to: string;
  from: string;
  subject: string;
  html: string;
  text: string;
}

/** How a provider answered: sent, worth retrying later, or never going to work. */
export type SendResult =
  | { status: "sent"; providerMessageId?: string }
  | { status: "retryable"; error: string; retryAfterSeconds?: number }
  | { status: "permanent"; error: string };

/**
 * One transactional-mail provider. `idempotencyKey` is the outbox row id; whether a retry of the
 * same row can deliver a second copy depends on the provider (README: delivery guarantee per provider).
 */
export interface Mailer {
  readonly name: string;
  /**
   * How long the provider deduplicates sends carrying the same idempotency key: a retry within it
   * cannot deliver twice. 0: the provider takes no key, so a retry after an ambiguous failure (a
   * timeout or a dropped connection once it may have accepted the message, a 5xx) may.
   */
  readonly idempotencyWindowMs: number;
  send(message: OutgoingEmail, idempotencyKey: string): Promise<SendResult>;
}

/** What every HTTP provider takes: its credential, base URL (MAIL_API_BASE_URL) and, in tests, a fetch. */
export interface HttpMailerOptions {
  apiKey: string;
  baseUrl: string;
  fetch?: typeof fetch;
}

/** How long one provider call may take before it counts as a (retryable) timeout. */
export const SEND_TIMEOUT_MS = 10_000;
/** A provider's Retry-After is honoured up to this bound (a reset link is dead long before a day passes). */
const MAX_RETRY_AFTER_SECONDS = 3600;

/** Removes characters that could start a new header line (header injection). */
export function headerSafe(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
  return value.replace(/[\r\n\u0000-\u001f\u007f]+/g, " ").trim();
}

/** The header-bound fields of a message, each made header-safe. */
export const envelope = (m: OutgoingEmail) => ({
  to: headerSafe(m.to),
  from: headerSafe(m.from),
  subject: headerSafe(m.subject),
});

/** Splits `Name <addr>` (or a bare address) for providers that take a structured sender. */
export function parseAddress(value: string): { email: string; name?: string } {
  const m = /^\s*"?([^"<]*?)"?\s*<([^<>\s]+)>\s*$/.exec(value);
  if (!m) return { email: value.trim() };
  return m[1] ? { email: m[2]!, name: m[1] } : { email: m[2]! };
}

/** Retry-After as delta-seconds or HTTP-date (RFC 9110), capped; undefined when absent or unusable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value.trim()) ? Number(value) : Math.ceil((Date.parse(value) - now) / 1000);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, MAX_RETRY_AFTER_SECONDS) : undefined;
}

/**
 * Statuses worth retrying. 401/403 are included on purpose: they mean our key or sender setup is
 * wrong, not the message; retrying lets an operator fix it (or the fallback provider take over)
 * without losing mail, and the message still dies after the last attempt.
 */
export const isRetryableStatus = (s: number) =>
  s === 401 || s === 403 || s === 408 || s === 409 || s === 429 || s >= 500;

/** Provider-specific reading of a response. */
export interface Classify {
  /** Where the provider puts its message id (default: `id` in the JSON body). */
  messageId?: (body: Record<string, unknown>, res: Response) => unknown;
  /** Extra failures the provider documents as temporary or configuration-related. */
  retryable?: (body: Record<string, unknown>, res: Response) => boolean;
  /** The HTTP statuses worth retrying (default: isRetryableStatus). */
  retryableStatus?: (status: number) => boolean;
  /** Errors say "HTTP <status>" only and the body is never read (a webhook receiver's answer is not ours to keep). */
  bareError?: boolean;
}

/** Error text from a provider, without anything that looks like an address (errors are stored in clear). */
const redact = (raw: string) =>
  raw
    .slice(0, 2000)
    .replace(/[^\s"'<>(),;:]+@[^\s"'<>(),;:]+/g, "[address]")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, 200);

/** A provider's answer is read up to this many bytes: its message id or error fits; an error page of any size does not fill memory. */
export const MAX_ANSWER_BYTES = 64 * 1024;

/** The first `max` bytes of a body as text (the rest is cancelled, never read); "" when it cannot be read. */
async function headText(res: Response, max: number): Promise<string> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < max) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    if (size >= max) await reader.cancel();
  } catch {
    // A body that breaks off (or outlives the timeout) is read as far as it came.
  }
  const all = new Uint8Array(Math.min(size, max));
  let at = 0;
  for (const c of chunks) {
    const part = c.subarray(0, all.length - at);
    all.set(part, at);
    at += part.length;
    if (at >= all.length) break;
  }
  return new TextDecoder().decode(all);
}

/** Classifies an HTTP response into sent / retryable / permanent (errors never include what we sent). */
export async function classifyResponse(res: Response, how: Classify = {}): Promise<SendResult> {
  const retryableStatus = how.retryableStatus ?? isRetryableStatus;
  const retryAfterSeconds = parseRetryAfter(res.headers.get("Retry-After"));
  if (how.bareError) {
    await res.body?.cancel();
    if (res.ok) return { status: "sent" };
    const error = `HTTP ${res.status}`;
    return retryableStatus(res.status)
      ? { status: "retryable", error, retryAfterSeconds }
      : { status: "permanent", error };
  }
  // A 2xx counts as sent even if its body then stalls or breaks: the provider accepted the message.
  const raw = await headText(res, MAX_ANSWER_BYTES);
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: the text still makes the error */
  }
  if (res.ok) {
    const id = how.messageId ? how.messageId(body, res) : body.id;
    return { status: "sent", providerMessageId: typeof id === "string" && id ? id : undefined };
  }
  const detail = redact(raw);
  const error = `HTTP ${res.status}${detail ? `: ${detail}` : ""}`;
  if (retryableStatus(res.status) || how.retryable?.(body, res))
    return { status: "retryable", error, retryAfterSeconds };
  return { status: "permanent", error };
}

/** Runs a provider call with a timeout; network failures and timeouts are retryable. */
export async function sendWithTimeout(
  doFetch: (signal: AbortSignal) => Promise<Response>,
  how: Classify = {},
  timeoutMs = SEND_TIMEOUT_MS,
): Promise<SendResult> {
  try {
    return await classifyResponse(await doFetch(AbortSignal.timeout(timeoutMs)), how);
  } catch (e) {
    const name = (e as { name?: string }).name;
    return {
      status: "retryable",
      error: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network error",
    };
  }
}

/** The fetch to use: the injected one, else the global looked up per call (so tests can spy on it). */
export const fetcher = (opts: HttpMailerOptions): typeof fetch => opts.fetch ?? ((input, init) => fetch(input, init));

/** POSTs a JSON body to `baseUrl + path` with a timeout and classifies the answer. */
export function postJson(
  opts: HttpMailerOptions,
  path: string,
  headers: Record<string, string>,
  body: unknown,
  how?: Classify,
): Promise<SendResult> {
  const doFetch = fetcher(opts);
  return sendWithTimeout(
    (signal) =>
      doFetch(opts.baseUrl + path, {
        method: "POST",
        signal,
        headers: { "Content-Type": "application/json", ...headers },
        body: JSON.stringify(body),
      }),
    how,
  );
}
