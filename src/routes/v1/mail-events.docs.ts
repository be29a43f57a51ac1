import type { Operation } from "../../openapi/operations";
import * as R from "../../openapi/responses";

/** OpenAPI docs of /v1/mail-events. */
export const operations: Operation[] = [
  {
    method: "post",
    path: "/v1/mail-events/{provider}",
    tag: "Provider events",
    auth: "none",
    summary: "Receive a mail provider's delivery, bounce and complaint webhooks",
    description:
      "`provider`: resend, postmark, sendgrid, mailgun, brevo or ses (through SNS). Verified with that provider's own scheme and the `MAIL_EVENT_SECRETS` entry; anything unsigned, badly signed, outside the provider's time window or for an unconfigured provider is `401 INVALID_SIGNATURE` and changes nothing. A hard bounce or a complaint suppresses the address. JSON (SNS: text/plain) up to 256 KiB.",
    success: { status: 200, description: "Events read", schema: R.MailEventsReceived },
    errors: ["INVALID_SIGNATURE", "NOT_FOUND", "MALFORMED_JSON", "UNSUPPORTED_MEDIA_TYPE", "PAYLOAD_TOO_LARGE"],
  },
];
