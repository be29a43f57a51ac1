/** English messages for every email. Placeholders: {name} style, filled with escaped values. */
export const en = {
  greeting: "Hello,",
  greetingName: "Hello {name},",
  "reset.subject": "Reset your {product} password",
  "reset.intro": "We received a request to reset the password of your {product} account.",
  "reset.button": "Choose a new password",
  "reset.linkExpiry": "The link works once and expires in {minutes} minutes.",
  "reset.codeIntro": "Or enter this code on the reset page:",
  "reset.codeExpiry": "The code expires in {codeMinutes} minutes.",
  "reset.ignore": "If you did not ask for this, you can ignore this email: your password stays the same.",
  "admin.subject": "Set a new password for {product}",
  "admin.intro": "An administrator of {product} asked you to choose a new password for your account.",
  "admin.button": "Choose a new password",
  "admin.linkExpiry": "The link works once and expires in {hours} hours.",
  "admin.ignore":
    "If you did not expect this email, do not use the link: lock your account with the button below, then contact support.",
  "admin.notMe": "I did not expect this",
  "changed.subject": "Your {product} password was changed",
  "changed.intro": "The password of your {product} account was changed on {when}.",
  "changed.where": "Approximate origin of the request: {where}.",
  "changed.sessions": "For your safety, every device that was signed in has been signed out.",
  "changed.notYou":
    "If this was not you, lock your account with the button below: every device is signed out and nobody can sign in with a password until a new one is chosen through your email.",
  "changed.button": "This was not me",
  linkFallback: "If the button does not work, copy this address into your browser:",
  support: "Need help? Contact support:",
  footer: "This email was sent by {product}. You received it because of an action on your account.",
} as const;

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
