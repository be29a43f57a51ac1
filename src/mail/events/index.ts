import { brevoEvents, postmarkEvents } from "./basic-auth";
import { mailgunEvents } from "./mailgun";
import { resendEvents } from "./resend";
import { sendgridEvents } from "./sendgrid";
import { snsEvents } from "./sns";
import type { Incoming, MailEvent, MailEventProvider, MailEventSecrets } from "./types";

export * from "./types";

type Reader<S> = (r: Incoming, secret: S) => Promise<MailEvent[]>;

/** Each provider's reader: verifies the request with that provider's documented scheme, then normalizes its events. */
export const MAIL_EVENT_READERS: { [P in MailEventProvider]?: Reader<NonNullable<MailEventSecrets[P]>> } = {
  resend: resendEvents,
  mailgun: mailgunEvents,
  postmark: postmarkEvents,
  brevo: brevoEvents,
  sendgrid: sendgridEvents,
  ses: snsEvents,
};
