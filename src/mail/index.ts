import type { Config } from "../config";
import type { Db } from "../db/client";
import type { MailSlot } from "./config";
import { brevoMailer } from "./brevo";
import { cloudflareMailer } from "./cloudflare";
import { devMailer } from "./dev";
import { mailgunMailer } from "./mailgun";
import type { Mailer } from "./mailer";
import { postmarkMailer } from "./postmark";
import { resendMailer } from "./resend";
import { sendgridMailer } from "./sendgrid";
import { sesMailer } from "./ses";

/** Builds the Mailer of one slot (MAIL_PROVIDER or MAIL_FALLBACK_PROVIDER); config has validated its settings. */
export function createMailer(
  slot: MailSlot,
  ctx: { config: Config; db: Db; now: () => number; binding?: SendEmail },
): Mailer {
  const http = { apiKey: slot.apiKey, baseUrl: slot.apiBaseUrl };
  const o = ctx.config.mailOptions;
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
