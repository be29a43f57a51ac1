import type { PageKey, PageMessages } from "./en";

/** Looks up a page string and fills its {placeholders} (unescaped: the html tag escapes on output). */
export type Translate = (key: PageKey, vars?: Record<string, string | number>) => string;

/** The translator over one locale's catalogue (see src/i18n/catalogs.ts). */
export function translator(m: PageMessages): Translate {
  return (key, vars = {}) => m[key].replace(/\{(\w+)\}/g, (_, k: string) => String(vars[k] ?? ""));
}

export type { PageKey, PageMessages };
