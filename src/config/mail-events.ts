import { fromB64 } from "../crypto/encoding";
import { MAIL_EVENT_PROVIDERS, type MailEventSecrets } from "../mail/events/types";
import { ConfigError } from "./errors";

// What each provider's entry must look like (README "Provider events": the setup per provider).
const SHAPES: Record<string, RegExp> = {
  resend: /^whsec_[A-Za-z0-9+/]+={0,2}$/,
  mailgun: /^\S{8,}$/,
  sendgrid: /^[A-Za-z0-9+/]{40,}={0,2}$/,
  postmark: /^[^:\s]+:\S{8,}$/,
  brevo: /^([^:\s]+:)?\S{8,}$/,
  ses: /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/,
};

/** MAIL_EVENT_SECRETS: a JSON object by provider; empty or absent = no provider's events are accepted. */
export function parseMailEventSecrets(raw: string | undefined): MailEventSecrets {
  if (!raw || raw.trim() === "") return {};
  let given: unknown;
  try {
    given = JSON.parse(raw);
  } catch {
    throw new ConfigError("secret MAIL_EVENT_SECRETS is not valid JSON");
  }
  if (typeof given !== "object" || given === null || Array.isArray(given))
    throw new ConfigError("secret MAIL_EVENT_SECRETS must be a JSON object by provider name");
  for (const [name, value] of Object.entries(given)) {
    if (!(MAIL_EVENT_PROVIDERS as readonly string[]).includes(name))
      throw new ConfigError(
        `secret MAIL_EVENT_SECRETS has an unknown provider "${name}" (known: ${MAIL_EVENT_PROVIDERS.join(", ")})`,
      );
    // ses: {"topicArns": [...]}, the others one string; Resend's and SendGrid's base64 must decode.
    const list = name === "ses" ? (value as { topicArns?: unknown })?.topicArns : [value];
    const b64 = name === "resend" || name === "sendgrid";
    const ok = (v: unknown) =>
      typeof v === "string" && SHAPES[name]!.test(v) && (!b64 || fromB64(v.slice(v.indexOf("_") + 1)));
    if (!Array.isArray(list) || !list.length || !list.every(ok))
      throw new ConfigError(`secret MAIL_EVENT_SECRETS.${name} is malformed (README: Provider events)`);
  }
  return given as MailEventSecrets;
}
