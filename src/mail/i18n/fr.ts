import type { Messages } from "./en";

/** French email messages (same keys and placeholders as en.ts). */
export const fr: Messages = {
  greeting: "Bonjour,",
  greetingName: "Bonjour {name},",
  "reset.subject": "Réinitialisez votre mot de passe {product}",
  "reset.intro": "Nous avons reçu une demande de réinitialisation du mot de passe de votre compte {product}.",
  "reset.button": "Choisir un nouveau mot de passe",
  "reset.linkExpiry": "Le lien ne fonctionne qu'une fois et expire dans {minutes} minutes.",
  "reset.codeIntro": "Ou saisissez ce code sur la page de réinitialisation :",
  "reset.codeExpiry": "Le code expire dans {codeMinutes} minutes.",
  "reset.ignore": "Si vous n'êtes pas à l'origine de cette demande, ignorez cet e-mail : votre mot de passe reste inchangé.",
  "admin.subject": "Définissez un nouveau mot de passe pour {product}",
  "admin.intro": "Un administrateur de {product} vous invite à choisir un nouveau mot de passe pour votre compte.",
  "admin.button": "Choisir un nouveau mot de passe",
  "admin.linkExpiry": "Le lien ne fonctionne qu'une fois et expire dans {hours} heures.",
  "admin.ignore": "Si vous n'attendiez pas cet e-mail, contactez le support avant d'utiliser le lien.",
  "changed.subject": "Le mot de passe de votre compte {product} a été modifié",
  "changed.intro": "Le mot de passe de votre compte {product} a été modifié le {when}.",
  "changed.where": "Origine approximative de la demande : {where}.",
  "changed.sessions": "Par sécurité, tous les appareils connectés ont été déconnectés.",
  "changed.notYou": "Si ce n'était pas vous, quelqu'un d'autre connaît peut-être votre mot de passe : réinitialisez-le immédiatement avec le bouton ci-dessous, puis vérifiez votre compte.",
  "changed.button": "Réinitialiser mon mot de passe",
  linkFallback: "Si le bouton ne fonctionne pas, copiez cette adresse dans votre navigateur :",
  support: "Besoin d'aide ? Contactez le support :",
  footer: "Cet e-mail a été envoyé par {product}. Vous le recevez à la suite d'une action sur votre compte.",
};
