import type { Messages } from "./en";

/** Dutch email messages (same keys and placeholders as en.ts). */
export const nl: Messages = {
  greeting: "Hallo,",
  greetingName: "Hallo {name},",
  "reset.subject": "Stel je wachtwoord voor {product} opnieuw in",
  "reset.intro": "We hebben een verzoek ontvangen om het wachtwoord van je {product}-account opnieuw in te stellen.",
  "reset.button": "Kies een nieuw wachtwoord",
  "reset.linkExpiry": "De link werkt één keer en verloopt over {minutes} minuten.",
  "reset.codeIntro": "Of voer deze code in op de resetpagina:",
  "reset.codeExpiry": "De code verloopt over {codeMinutes} minuten.",
  "reset.ignore": "Heb je dit niet aangevraagd? Dan kun je deze e-mail negeren: je wachtwoord blijft hetzelfde.",
  "admin.subject": "Stel een nieuw wachtwoord in voor {product}",
  "admin.intro": "Een beheerder van {product} vraagt je een nieuw wachtwoord voor je account te kiezen.",
  "admin.button": "Kies een nieuw wachtwoord",
  "admin.linkExpiry": "De link werkt één keer en verloopt over {hours} uur.",
  "admin.ignore": "Had je deze e-mail niet verwacht? Neem dan contact op met support voordat je de link gebruikt.",
  "changed.subject": "Je wachtwoord voor {product} is gewijzigd",
  "changed.intro": "Het wachtwoord van je {product}-account is gewijzigd op {when}.",
  "changed.where": "Geschatte herkomst van het verzoek: {where}.",
  "changed.sessions": "Voor je veiligheid zijn alle aangemelde apparaten afgemeld.",
  "changed.notYou": "Was jij dit niet? Dan kent iemand anders misschien je wachtwoord: stel het meteen opnieuw in met de knop hieronder en controleer daarna je account.",
  "changed.button": "Mijn wachtwoord opnieuw instellen",
  linkFallback: "Werkt de knop niet? Kopieer dan dit adres naar je browser:",
  support: "Hulp nodig? Neem contact op met support:",
  footer: "Deze e-mail is verzonden door {product}. Je ontvangt hem vanwege een actie op je account.",
};
