import { AppError } from "../../domain/errors";

/** Providers whose event webhooks POST /v1/mail-events/{provider} verifies (MAIL_EVENT_SECRETS keys). */
export const MAIL_EVENT_PROVIDERS = ["resend", "postmark", "sendgrid", "mailgun", "brevo", "ses"] as const;
export type MailEventProvider = (typeof MAIL_EVENT_PROVIDERS)[number];

/**
 * MAIL_EVENT_SECRETS as parsed (src/config/mail-events.ts): per provider, what its events are verified with.
 * ses: the SNS topics whose messages are accepted (any AWS account can have SNS sign a message).
 */
export type MailEventSecrets = Partial<Record<Exclude<MailEventProvider, "ses">, string>> & {
  ses?: { topicArns: string[] };
};

/**
 * One event that matters, normalized: delivered, a hard (permanent) bounce, or a complaint. Soft
 * bounces, deferrals, opens and clicks are left out by each provider's reader.
 */
export interface MailEvent {
  type: "delivered" | "bounced" | "complained";
  /** The recipient as the provider names it. */
  email: string;
  /** The provider's id of the message (as stored on the outbox row, angle brackets aside), when given. */
  messageId: string | null;
}

/** A request as the readers see it. */
export interface Incoming {
  body: string;
  headers: Headers;
  now: number;
  /** Outbound fetch (SNS certificates and subscription confirmations). */
  fetch: typeof fetch;
}

/** INVALID_SIGNATURE: the one answer to anything unverified (unsigned, badly signed, stale, not configured). */
export const unverified = (): never => {
  throw new AppError("INVALID_SIGNATURE");
};

/** Refuses a timestamp (epoch ms) further than `windowMs` from now either way. */
export function fresh(t: number, now: number, windowMs: number): void {
  if (!Number.isFinite(t) || Math.abs(now - t) > windowMs) unverified();
}

/** The signed body as JSON (after verification). */
export function parsed<T = Record<string, unknown>>(body: string): T {
  try {
    return JSON.parse(body) as T;
  } catch {
    return unverified();
  }
}

/** An id without its angle brackets (Mailgun, Brevo and SMTP Message-IDs come both ways). */
export const bare = (id: unknown): string | null =>
  typeof id === "string" && id !== "" ? id.replace(/^<|>$/g, "") : null;

/** Events of one type for each address (providers list several recipients per event). */
export const eventsFor = (type: MailEvent["type"] | null, emails: unknown, messageId: unknown): MailEvent[] =>
  type
    ? [emails]
        .flat()
        .filter((e): e is string => typeof e === "string" && e.includes("@"))
        .map((email) => ({ type, email, messageId: bare(messageId) }))
    : [];
