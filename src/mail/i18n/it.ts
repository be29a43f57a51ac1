import type { Messages } from "./en";

/** Italian email messages (same keys and placeholders as en.ts). */
export const it: Messages = {
  greeting: "Ciao,",
  greetingName: "Ciao {name},",
  "reset.subject": "Reimposta la password di {product}",
  "reset.intro": "Abbiamo ricevuto una richiesta di reimpostazione della password del tuo account {product}.",
  "reset.button": "Scegli una nuova password",
  "reset.linkExpiry": "Il link funziona una sola volta e scade tra {minutes} minuti.",
  "reset.codeIntro": "Oppure inserisci questo codice nella pagina di reimpostazione:",
  "reset.codeExpiry": "Il codice scade tra {codeMinutes} minuti.",
  "reset.ignore": "Se non hai richiesto tu la reimpostazione, puoi ignorare questa email: la tua password resta invariata.",
  "admin.subject": "Imposta una nuova password per {product}",
  "admin.intro": "Un amministratore di {product} ti chiede di scegliere una nuova password per il tuo account.",
  "admin.button": "Scegli una nuova password",
  "admin.linkExpiry": "Il link funziona una sola volta e scade tra {hours} ore.",
  "admin.ignore": "Se non ti aspettavi questa email, contatta l'assistenza prima di usare il link.",
  "changed.subject": "La password di {product} è stata modificata",
  "changed.intro": "La password del tuo account {product} è stata modificata il {when}.",
  "changed.where": "Provenienza approssimativa della richiesta: {where}.",
  "changed.sessions": "Per sicurezza, tutti i dispositivi connessi sono stati disconnessi.",
  "changed.notYou": "Se non sei stato tu, qualcun altro potrebbe conoscere la tua password: reimpostala subito con il pulsante qui sotto, poi controlla il tuo account.",
  "changed.button": "Reimposta la mia password",
  linkFallback: "Se il pulsante non funziona, copia questo indirizzo nel browser:",
  support: "Serve aiuto? Contatta l'assistenza:",
  footer: "Questa email è stata inviata da {product}. La ricevi a seguito di un'azione sul tuo account.",
};
