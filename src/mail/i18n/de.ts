import type { Messages } from "./en";

/** German messages (formal "Sie"; "für {product}" rather than compounds, which break on multi-word names). */
export const de: Messages = {
  greeting: "Hallo,",
  greetingName: "Hallo {name},",
  "reset.subject": "Setzen Sie Ihr Passwort für {product} zurück",
  "reset.intro": "Wir haben eine Anfrage erhalten, das Passwort Ihres Kontos bei {product} zurückzusetzen.",
  "reset.button": "Neues Passwort wählen",
  "reset.linkExpiry": "Der Link funktioniert nur einmal und läuft in {minutes} Minuten ab.",
  "reset.codeIntro": "Oder geben Sie diesen Code auf der Seite zum Zurücksetzen ein:",
  "reset.codeExpiry": "Der Code läuft in {codeMinutes} Minuten ab.",
  "reset.ignore": "Falls Sie das nicht angefordert haben, können Sie diese E-Mail ignorieren: Ihr Passwort bleibt unverändert.",
  "admin.subject": "Legen Sie ein neues Passwort für {product} fest",
  "admin.intro": "Ein Administrator von {product} bittet Sie, ein neues Passwort für Ihr Konto zu wählen.",
  "admin.button": "Neues Passwort wählen",
  "admin.linkExpiry": "Der Link funktioniert nur einmal und läuft in {hours} Stunden ab.",
  "admin.ignore": "Falls Sie diese E-Mail nicht erwartet haben, wenden Sie sich an den Support, bevor Sie den Link verwenden.",
  "changed.subject": "Ihr Passwort für {product} wurde geändert",
  "changed.intro": "Das Passwort Ihres Kontos bei {product} wurde am {when} geändert.",
  "changed.where": "Anfrage von: {where}.",
  "changed.sessions": "Zu Ihrer Sicherheit wurden alle angemeldeten Geräte abgemeldet.",
  "changed.notYou": "Falls Sie das nicht waren, setzen Sie Ihr Passwort sofort zurück und wenden Sie sich an den Support: {support}",
  footer: "Diese E-Mail wurde von {product} gesendet. Sie erhalten sie aufgrund einer Aktion in Ihrem Konto.",
};
