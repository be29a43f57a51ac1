import type { Db } from "../db/client";
import { brevoMailer } from "./brevo";
import { cloudflareMailer } from "./cloudflare";
import { devMailer } from "./dev";
import type { Mailer } from "./mailer";
import { mailgunMailer } from "./mailgun";
import { postmarkMailer } from "./postmark";
import { resendMailer } from "./resend";
import { sendgridMailer } from "./sendgrid";
import { sesMailer } from "./ses";

/** Every MAIL_PROVIDER value; `dev` captures mail for /dev/mailbox instead of sending it. */
export const MAIL_PROVIDERS = [
  "dev",
  "resend",
  "postmark",
  "sendgrid",
  "mailgun",
  "brevo",
  "ses",
  "cloudflare",
] as const;
export type MailProvider = (typeof MAIL_PROVIDERS)[number];

/** Default API base URLs; MAIL_API_BASE_URL overrides them (regional endpoints, proxies, tests). */
export const MAIL_BASE_URLS: Partial<Record<MailProvider, string>> = {
  resend: "https://api.resend.com",
  postmark: "https://api.postmarkapp.com",
  sendgrid: "https://api.sendgrid.com",
  mailgun: "https://api.mailgun.net",
  brevo: "https://api.brevo.com",
  // ses: https://email.{MAIL_SES_REGION}.amazonaws.com
};

/** One provider slot: the primary (MAIL_*) or the fallback (MAIL_FALLBACK_*). */
export interface MailSlot {
  provider: MailProvider;
  apiKey: string;
  apiBaseUrl: string;
}

/** Provider-specific settings, shared by both slots (one provider is never both primary and fallback). */
export interface MailOptions {
  postmarkStream: string;
  mailgunDomain: string;
  sesRegion: string;
}

/** Builds the Mailer of one slot (MAIL_PROVIDER or MAIL_FALLBACK_PROVIDER); config has validated its settings. */
export function createMailer(
  slot: MailSlot,
  ctx: { options: MailOptions; db: Db; now: () => number; binding?: SendEmail },
): Mailer {
  const http = { apiKey: slot.apiKey, baseUrl: slot.apiBaseUrl };
  const o = ctx.options;
  switch (slot.provider) {
    case "dev":
      return devMailer(ctx.db, ctx.now);
    case "resend":
      return resendMailer(http);
    case "postmark":
      return postmarkMailer({ ...http, messageStream: o.postmarkStream });
    case "sendgrid":
      return sendgridMailer(http);
    case "mailgun":
      return mailgunMailer({ ...http, domain: o.mailgunDomain });
    case "brevo":
      return brevoMailer(http);
    case "ses":
      return sesMailer({ ...http, region: o.sesRegion });
    case "cloudflare":
      return cloudflareMailer(ctx.binding!);
  }
}
