import * as z from "zod/mini";

// Shapes the seed dialects answer with (their own envelopes), shared by their docs files.

/** Nexudus' envelope of every /api/sys response, with `value` as Value. */
export const ActionConfirmation = (value: z.ZodMiniType) =>
  z.object({
    WasSuccessful: z.boolean(),
    Value: value,
    Status: z.int(),
    Message: z.nullable(z.string()),
    Errors: z.nullable(
      z.array(z.object({ PropertyName: z.string(), Message: z.string(), AttemptedValue: z.null(), Code: z.string() })),
    ),
  });

/** The error envelopes, published as components of the document. */
export const compatErrorSchemas = {
  ActionConfirmation: ActionConfirmation(z.null()),
  OAuthError: z.object({
    error: z.enum(["invalid_request", "invalid_grant", "unsupported_grant_type", "slow_down", "server_error"]),
    error_description: z.string(),
  }),
  NestAuthError: z.object({ statusCode: z.int(), error: z.string(), message: z.string(), code: z.string() }),
  SingularityError: z.object({
    status: z.int(),
    code: z.string(),
    message: z.string(),
    remaining: z.optional(z.int()),
  }),
};

/** The statuses of the body rules every dialect route with a body shares (16 KiB, media type), in its own envelope. */
export const BODY_STATUSES = { 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE" };

/** An RFC 6749 token response. */
export const OAuthToken = z.object({ access_token: z.string(), token_type: z.literal("Bearer"), expires_in: z.int() });
