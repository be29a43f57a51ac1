import { MAIL_BASE_URLS, MAIL_PROVIDERS, type MailOptions, type MailProvider, type MailSlot } from "../mail";
import { ConfigError } from "./errors";

/** Attempts after which an outbox row is dead (kept without payload, audited); MAIL_FALLBACK_AFTER stays below it. */
export const MAX_ATTEMPTS = 8;

/** The mail-related vars, secrets and bindings. */
export interface MailEnv {
  MAIL_API_KEY?: string;
  MAIL_FALLBACK_PROVIDER?: string;
  MAIL_FALLBACK_API_KEY?: string;
  MAIL_FALLBACK_API_BASE_URL?: string;
  MAIL_FALLBACK_AFTER?: string;
  MAIL_POSTMARK_STREAM?: string;
  MAIL_MAILGUN_DOMAIN?: string;
  MAIL_SES_REGION?: string;
  /** Comma list of the domains tenants may send from (branding.fromAddress); default: MAIL_FROM's. */
  MAIL_FROM_DOMAINS?: string;
  /** The `send_email` binding used by MAIL_PROVIDER=cloudflare. */
  EMAIL?: SendEmail;
}

const SLOTS = {
  primary: { provider: "MAIL_PROVIDER", key: "MAIL_API_KEY", url: "MAIL_API_BASE_URL" },
  fallback: { provider: "MAIL_FALLBACK_PROVIDER", key: "MAIL_FALLBACK_API_KEY", url: "MAIL_FALLBACK_API_BASE_URL" },
} as const;

function parseSlot(
  env: MailEnv,
  names: (typeof SLOTS)[keyof typeof SLOTS],
  provider: MailProvider,
  rawUrl: string,
  ctx: { development: boolean; sesRegion: string },
): MailSlot {
  const key = (names.key === "MAIL_API_KEY" ? env.MAIL_API_KEY : env.MAIL_FALLBACK_API_KEY) ?? "";
  const needsKey = provider !== "dev" && provider !== "cloudflare";
  if (needsKey && key === "")
    throw new ConfigError(`secret ${names.key} is missing (required by ${names.provider}=${provider})`);
  // The dev provider keeps every message (live reset links) in D1, readable at /dev/mailbox in development only.
  if (provider === "dev" && !ctx.development) {
    throw new ConfigError(`${names.provider}=dev is only allowed when ENVIRONMENT is development`);
  }
  if (provider === "cloudflare" && !env.EMAIL) {
    throw new ConfigError(
      `${names.provider}=cloudflare needs the send_email binding EMAIL ([[send_email]] name = "EMAIL" in wrangler.toml)`,
    );
  }
  if (provider === "ses" && !/^[A-Za-z0-9]+:\S+$/.test(key)) {
    throw new ConfigError(
      `secret ${names.key} is malformed: ${names.provider}=ses expects ACCESS_KEY_ID:SECRET_ACCESS_KEY`,
    );
  }
  if (provider === "ses" && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(ctx.sesRegion)) {
    throw new ConfigError(`MAIL_SES_REGION is missing or invalid (required by ${names.provider}=ses, e.g. eu-west-1)`);
  }
  if (rawUrl !== "" && !/^https?:\/\/[^\s/]+/.test(rawUrl))
    throw new ConfigError(`${names.url} is invalid: must be an http(s) URL`);
  // dev and cloudflare make no HTTP call; they report the default provider's URL.
  const fallbackUrl =
    provider === "ses"
      ? `https://email.${ctx.sesRegion}.amazonaws.com`
      : (MAIL_BASE_URLS[provider] ?? MAIL_BASE_URLS.resend!);
  return { provider, apiKey: key, apiBaseUrl: (rawUrl || fallbackUrl).replace(/\/+$/, "") };
}

/** The domain of the address in MAIL_FROM ("Name <a@example.com>" -> example.com). */
const domainOf = (from: string) => /@([^\s>@]+)>?\s*$/.exec(from)?.[1] ?? "";

const DOMAIN = /^([a-z0-9-]+\.)+[a-z]{2,}$/;

/**
 * MAIL_FROM_DOMAINS: the sender domains the deployment's provider account has verified, the only
 * ones a tenant's branding.fromAddress may use (else a tenant could send DKIM-signed mail as any
 * of them). Default: the domain of MAIL_FROM alone.
 */
function parseFromDomains(raw: string | undefined, from: string): string[] {
  const given = (raw ?? "").trim();
  const list = (given === "" ? domainOf(from) : given)
    .split(",")
    .map((d) => d.trim().toLowerCase())
    .filter(Boolean);
  for (const d of list) {
    if (!DOMAIN.test(d))
      throw new ConfigError(
        "MAIL_FROM_DOMAINS is invalid: a comma list of domains (e.g. example.com,mail.example.com)",
      );
  }
  return list;
}

/**
 * Validates the mail slots and provider settings; throws ConfigError naming the variable. The
 * primary's provider, sender and base URL come already validated from the main schema.
 */
export function parseMailConfig(
  env: MailEnv,
  v: { development: boolean; provider: MailProvider; from: string; apiBaseUrl: string },
): {
  mail: MailSlot & { from: string };
  mailFallback: (MailSlot & { after: number }) | null;
  mailOptions: MailOptions;
  mailFromDomains: string[];
} {
  const blank = (s: string | undefined) => (s ?? "").trim();
  const fallbackName = blank(env.MAIL_FALLBACK_PROVIDER);
  if (fallbackName !== "" && !(MAIL_PROVIDERS as readonly string[]).includes(fallbackName)) {
    throw new ConfigError(
      `MAIL_FALLBACK_PROVIDER has an unknown provider "${fallbackName}" (known: ${MAIL_PROVIDERS.join(", ")})`,
    );
  }
  const fallback = fallbackName === "" ? null : (fallbackName as MailProvider);
  if (fallback === v.provider) throw new ConfigError("MAIL_FALLBACK_PROVIDER must differ from MAIL_PROVIDER");
  const used = new Set([v.provider, fallback]);

  const mailOptions: MailOptions = {
    postmarkStream: blank(env.MAIL_POSTMARK_STREAM) || "outbound",
    mailgunDomain: (blank(env.MAIL_MAILGUN_DOMAIN) || domainOf(v.from)).toLowerCase(),
    sesRegion: blank(env.MAIL_SES_REGION),
  };
  if (used.has("mailgun") && !DOMAIN.test(mailOptions.mailgunDomain)) {
    throw new ConfigError(
      "MAIL_MAILGUN_DOMAIN is missing or invalid (Mailgun sends through /v3/{domain}/messages; default: the domain of MAIL_FROM)",
    );
  }
  const ctx = { development: v.development, sesRegion: mailOptions.sesRegion };
  const primary = parseSlot(env, SLOTS.primary, v.provider, v.apiBaseUrl, ctx);

  let mailFallback: (MailSlot & { after: number }) | null = null;
  if (fallback) {
    const rawAfter = blank(env.MAIL_FALLBACK_AFTER) || "3";
    const after = /^\d+$/.test(rawAfter) ? Number(rawAfter) : NaN;
    if (!(after >= 1 && after < MAX_ATTEMPTS)) {
      throw new ConfigError(
        `MAIL_FALLBACK_AFTER is invalid: a whole number of failed attempts from 1 to ${MAX_ATTEMPTS - 1}`,
      );
    }
    mailFallback = { ...parseSlot(env, SLOTS.fallback, fallback, blank(env.MAIL_FALLBACK_API_BASE_URL), ctx), after };
  }
  return {
    mail: { provider: primary.provider, from: v.from, apiBaseUrl: primary.apiBaseUrl, apiKey: primary.apiKey },
    mailFallback,
    mailOptions,
    mailFromDomains: parseFromDomains(env.MAIL_FROM_DOMAINS, v.from),
  };
}
