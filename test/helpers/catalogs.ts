import mail_de from "../../public/i18n/mail/de.json";
import mail_en from "../../public/i18n/mail/en.json";
import mail_es from "../../public/i18n/mail/es.json";
import mail_fr from "../../public/i18n/mail/fr.json";
import mail_it from "../../public/i18n/mail/it.json";
import mail_ja from "../../public/i18n/mail/ja.json";
import mail_nl from "../../public/i18n/mail/nl.json";
import mail_pt from "../../public/i18n/mail/pt.json";
import pages_de from "../../public/i18n/pages/de.json";
import pages_en from "../../public/i18n/pages/en.json";
import pages_es from "../../public/i18n/pages/es.json";
import pages_fr from "../../public/i18n/pages/fr.json";
import pages_it from "../../public/i18n/pages/it.json";
import pages_ja from "../../public/i18n/pages/ja.json";
import pages_nl from "../../public/i18n/pages/nl.json";
import pages_pt from "../../public/i18n/pages/pt.json";
import type { Locale } from "../../src/domain/locale";
import type { Messages } from "../../src/i18n/mail/en";
import type { PageMessages } from "../../src/i18n/pages/en";

// Every catalogue as the Worker reads it (public/i18n, through the ASSETS binding): typed as the
// English catalogue, so a file missing a key fails to compile; the i18n tests check exact key sets.

/** Email catalogues by locale. */
export const MAIL: Record<Locale, Messages> = {
  en: mail_en,
  fr: mail_fr,
  de: mail_de,
  es: mail_es,
  pt: mail_pt,
  it: mail_it,
  nl: mail_nl,
  ja: mail_ja,
};
/** Page catalogues by locale. */
export const PAGES: Record<Locale, PageMessages> = {
  en: pages_en,
  fr: pages_fr,
  de: pages_de,
  es: pages_es,
  pt: pages_pt,
  it: pages_it,
  nl: pages_nl,
  ja: pages_ja,
};
