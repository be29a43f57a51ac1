import * as z from "zod/mini";

// zod/mini keeps the Worker bundle small (DESIGN §9); the same schemas feed the OpenAPI document.

/** A bounded string. */
export const str = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
/** An email address: trimmed, at most 254 characters. */
export const Email = z.string().check(z.trim(), z.maxLength(254), z.email());
export const ClientId = str(1, 64);
/** Any length is accepted up to 1,024 so the policy (not the validator) reports the length rule. */
export const NewPassword = str(1, 1024);
export const Locale = z.string().check(z.maxLength(35), z.regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/));
/** An absolute http(s) URL. */
export const Url = z.url({ protocol: /^https?$/ }).check(z.maxLength(2048));
/** A readable id chosen by the caller (tenant or client id). */
export const Slug = z.string().check(z.regex(/^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$/));
