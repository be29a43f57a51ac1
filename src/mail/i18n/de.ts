import type { Messages } from "./en";

/** German email messages (same keys and placeholders as en.ts). */
export const de: Messages = {
  greeting: "Hallo,",
  greetingName: "Hallo {name},",
  "reset.subject": "Setzen Sie Ihr {product}-Passwort zurück",
  "reset.intro": "Wir haben eine Anfrage erhalten, das Passwort Ihres {product}-Kontos zurückzusetzen.",
  "reset.button": "Neues Passwort wählen",
  "reset.linkExpiry": "Der Link funktioniert einmal und läuft in {minutes} Minuten ab.",
  "reset.codeIntro": "Oder geben Sie diesen Code auf der Seite zum Zurücksetzen ein:",
  "reset.codeExpiry": "Der Code läuft in {codeMinutes} Minuten ab.",
  "reset.ignore": "Wenn Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Ihr Passwort bleibt unverändert.",
  "admin.subject": "Legen Sie ein neues Passwort für {product} fest",
  "admin.intro": "Ein Administrator von {product} bittet Sie, ein neues Passwort für Ihr Konto zu wählen.",
  "admin.button": "Neues Passwort wählen",
  "admin.linkExpiry": "Der Link funktioniert einmal und läuft in {hours} Stunden ab.",
  "admin.ignore": "Wenn Sie diese E-Mail nicht erwartet haben, wenden Sie sich an den Support, bevor Sie den Link verwenden.",
  "changed.subject": "Ihr {product}-Passwort wurde geändert",
  "changed.intro": "Das Passwort Ihres {product}-Kontos wurde am {when} geändert.",
  "changed.where": "Ungefähre Herkunft der Anfrage: {where}.",
  "changed.sessions": "Zu Ihrer Sicherheit wurden alle angemeldeten Geräte abgemeldet.",
  "changed.notYou": "Wenn Sie das nicht waren, kennt möglicherweise jemand anderes Ihr Passwort: Setzen Sie es sofort über die Schaltfläche unten zurück und prüfen Sie dann Ihr Konto.",
  "changed.button": "Mein Passwort zurücksetzen",
  linkFallback: "Falls die Schaltfläche nicht funktioniert, kopieren Sie diese Adresse in Ihren Browser:",
  support: "Brauchen Sie Hilfe? Kontaktieren Sie den Support:",
  footer: "Diese E-Mail wurde von {product} gesendet. Sie erhalten sie aufgrund einer Aktion in Ihrem Konto.",
};
