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

/** One transactional-mail provider. `idempotencyKey` is the outbox row id: the same row never sends twice. */
export interface Mailer {
  readonly name: string;
  send(message: OutgoingEmail, idempotencyKey: string): Promise<SendResult>;
}

/** Removes characters that could start a new header line (header injection). */
export function headerSafe(value: string): string {
  return value.replace(/[\r\n\u0000-\u001f\u007f]+/g, " ").trim();
}

/** Classifies an HTTP response the way every HTTP provider needs it (errors never include the body we sent). */
export async function classifyResponse(res: Response): Promise<SendResult> {
  if (res.ok) {
    const body = (await res.json().catch(() => ({}))) as { id?: unknown };
    return { status: "sent", providerMessageId: typeof body.id === "string" ? body.id : undefined };
  }
  const detail = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ");
  const error = `HTTP ${res.status}${detail ? `: ${detail}` : ""}`;
  if (res.status === 429 || res.status === 408 || res.status === 409 || res.status >= 500) {
    const ra = Number(res.headers.get("Retry-After"));
    return { status: "retryable", error, retryAfterSeconds: Number.isFinite(ra) && ra > 0 ? ra : undefined };
  }
  return { status: "permanent", error };
}

/** Runs a provider call with a timeout; network failures and timeouts are retryable. */
export async function sendWithTimeout(doFetch: (signal: AbortSignal) => Promise<Response>, timeoutMs = 10_000): Promise<SendResult> {
  try {
    return await classifyResponse(await doFetch(AbortSignal.timeout(timeoutMs)));
  } catch (e) {
    const name = (e as { name?: string }).name;
    return { status: "retryable", error: name === "TimeoutError" || name === "AbortError" ? "timeout" : "network error" };
  }
}
