import * as z from "zod";

/** Shared field schemas of the canonical API (also the source of the OpenAPI document). */
export const Email = z.string().trim().max(254).pipe(z.email());
export const ClientId = z.string().min(1).max(64);
/** Any length is accepted up to 1,024 so the policy (not the validator) reports the length rule. */
export const NewPassword = z.string().min(1).max(1024);
export const Locale = z.string().regex(/^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$/).max(35);
