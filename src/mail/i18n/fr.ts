import type { Messages } from "./en";

/** French messages (formal "vous"; a no-break space before ":" as French typography wants). */
export const fr: Messages = {
  greeting: "Bonjour,",
  greetingName: "Bonjour {name},",
  "reset.subject": "Réinitialisez votre mot de passe {product}",
  "reset.intro": "Nous avons reçu une demande de réinitialisation du mot de passe de votre compte {product}.",
  "reset.button": "Choisir un nouveau mot de passe",
  "reset.linkExpiry": "Ce lien ne peut servir qu’une fois et expire dans {minutes} minutes.",
  "reset.codeIntro": "Vous pouvez aussi saisir ce code sur la page de réinitialisation\u00a0:",
  "reset.codeExpiry": "Le code expire dans {codeMinutes} minutes.",
  "reset.ignore": "Si vous n’êtes pas à l’origine de cette demande, ignorez cet e-mail\u00a0: votre mot de passe reste inchangé.",
  "admin.subject": "Définissez un nouveau mot de passe pour {product}",
  "admin.intro": "Un administrateur de {product} vous demande de choisir un nouveau mot de passe pour votre compte.",
  "admin.button": "Choisir un nouveau mot de passe",
  "admin.linkExpiry": "Ce lien ne peut servir qu’une fois et expire dans {hours} heures.",
  "admin.ignore": "Si vous n’attendiez pas cet e-mail, contactez l’assistance avant d’utiliser le lien.",
  "changed.subject": "Le mot de passe de votre compte {product} a été modifié",
  "changed.intro": "Le mot de passe de votre compte {product} a été modifié le {when}.",
  "changed.where": "Origine de la demande\u00a0: {where}.",
  "changed.sessions": "Par sécurité, tous les appareils connectés à votre compte ont été déconnectés.",
  "changed.notYou": "Si vous n’êtes pas à l’origine de ce changement, réinitialisez immédiatement votre mot de passe et contactez l’assistance\u00a0: {support}",
  footer: "Cet e-mail a été envoyé par {product}. Vous le recevez à la suite d’une action sur votre compte.",
};
