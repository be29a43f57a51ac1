import { fromB64 } from "../crypto/encoding";
import { MAIL_EVENT_PROVIDERS, type MailEventSecrets } from "../mail/events/types";
import { ConfigError } from "./errors";

// What each provider's entry must look like (the README's "Provider events" has the setup per provider).
const SHAPES: Record<string, [RegExp, string]> = {
  resend: [/^whsec_[A-Za-z0-9+/]+={0,2}$/, 'the Svix signing secret "whsec_<base64>"'],
  mailgun: [/^\S{8,}$/, "the HTTP webhook signing key"],
  sendgrid: [/^[A-Za-z0-9+/]{40,}={0,2}$/, "the verification key (base64 DER public key)"],
  postmark: [/^[^:\s]+:\S{8,}$/, '"username:password" of the webhook URL\'s Basic auth'],
  brevo: [/^([^:\s]+:)?\S{8,}$/, 'the bearer token, or "username:password" for Basic auth'],
};
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]{1,256}$/;

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
    if (name === "ses") {
      const arns = (value as { topicArns?: unknown })?.topicArns;
      if (!Array.isArray(arns) || arns.length === 0 || !arns.every((a) => typeof a === "string" && TOPIC_ARN.test(a)))
        throw new ConfigError(
          'secret MAIL_EVENT_SECRETS.ses must be {"topicArns": ["arn:aws:sns:<region>:<account>:<topic>", ...]}',
        );
      continue;
    }
    const [shape, what] = SHAPES[name]!;
    const ok = typeof value === "string" && shape.test(value);
    if (!ok || ((name === "resend" || name === "sendgrid") && !fromB64(value.replace(/^whsec_/, ""))))
      throw new ConfigError(`secret MAIL_EVENT_SECRETS.${name} is malformed: ${what}`);
  }
  return given as MailEventSecrets;
}
