import type { Config } from "../config";
import type { Db } from "../db/client";
import { devMailer } from "./dev";
import type { Mailer } from "./mailer";
import { resendMailer } from "./resend";

/** Builds the Mailer selected by MAIL_PROVIDER. */
export function createMailer(config: Config, db: Db, now: () => number): Mailer {
  switch (config.mail.provider) {
    case "dev":
      return devMailer(db, now);
    case "resend":
      return resendMailer({ apiKey: config.mail.apiKey, baseUrl: config.mail.apiBaseUrl });
  }
}
