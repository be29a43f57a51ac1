import type en from "../../../public/i18n/pages/en.json";

// English strings of the hosted pages live in public/i18n/pages/en.json, read through the ASSETS
// binding like the other locales (src/i18n/catalogs.ts), so they cost the bundle nothing. They
// define the keys. Placeholders: {name} style, filled with escaped values.

export type PageKey = keyof typeof en;
export type PageMessages = Record<PageKey, string>;
