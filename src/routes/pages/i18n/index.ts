import type { Locale } from "../../../domain/locale";
import { de } from "./de";
import { en, type PageKey, type PageMessages } from "./en";
import { es } from "./es";
import { fr } from "./fr";
import { it } from "./it";
import { ja } from "./ja";
import { nl } from "./nl";
import { pt } from "./pt";

/** Page strings of every locale; a locale lacking a key fails to compile and fails the i18n test. */
export const PAGE_MESSAGES: Record<Locale, PageMessages> = { en, fr, de, es, pt, it, nl, ja };

/** Looks up a page string and fills its {placeholders} (unescaped: the html tag escapes on output). */
export type Translate = (key: PageKey, vars?: Record<string, string | number>) => string;

/** The translator of one locale. */
export function translator(locale: Locale): Translate {
  const m = PAGE_MESSAGES[locale];
  return (key, vars = {}) => m[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));
}

export type { PageKey };
