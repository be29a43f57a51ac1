import type en from "../../../public/i18n/mail/en.json";

// English messages for every email live in public/i18n/mail/en.json, read through the ASSETS binding
// like the other locales (src/i18n/catalogs.ts), so they cost the bundle nothing. They define the
// keys. Placeholders: {name} style, filled with escaped values.

export type MessageKey = keyof typeof en;
export type Messages = Record<MessageKey, string>;
