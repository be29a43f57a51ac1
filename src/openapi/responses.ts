import * as z from "zod/mini";

// Response shapes for the OpenAPI document only: never imported by the Worker (no bundle cost).

export const Accepted = z.object({ status: z.literal("accepted") });
export const VerifyResult = z.object({
  resetToken: z.string().register(z.globalRegistry, { description: "Short-lived, single-use reset JWT" }),
  email: z.string().register(z.globalRegistry, { description: "Masked address, e.g. a***e@example.com" }),
  expiresAt: z.iso.datetime(),
});
export const Completed = z.object({
  status: z.literal("completed"),
  userId: z.string(),
  loginToken: z.optional(
    z.string().register(z.globalRegistry, {
      description: "One-time token for POST /v1/sessions/exchange (when the client allows it)",
    }),
  ),
});
export const StepUpGranted = z.object({ stepUpToken: z.string() });
export const Locked = z.object({ status: z.literal("locked") });
export const Session = z.object({ accessToken: z.string(), tokenType: z.literal("Bearer"), expiresIn: z.int() });
export const User = z.object({
  id: z.string(),
  tenantId: z.string(),
  email: z.string(),
  name: z.nullable(z.string()),
  locale: z.nullable(z.string()),
  disabled: z.boolean(),
  mfa: z.boolean(),
  locked: z.boolean().register(z.globalRegistry, {
    description: 'Locked by its owner ("that wasn\'t me"): password sign-in answers 423 ACCOUNT_LOCKED',
  }),
  hasPassword: z.boolean(),
  mustResetPassword: z.boolean(),
  passwordChangedAt: z.nullable(z.iso.datetime()),
  createdAt: z.iso.datetime(),
});
export const Client = z.looseObject({
  clientId: z.string(),
  tenantId: z.string(),
  name: z.string(),
  resetUrl: z.nullable(z.string()),
  redirectUris: z.array(z.string()),
  businessId: z.nullable(z.int()),
  defaultLocale: z.string(),
  issueLoginToken: z.boolean(),
  codeBudget: z.int(),
  stepUp: z.nullable(z.object({ url: z.string() })),
  hasSecret: z.boolean(),
  createdAt: z.iso.datetime(),
});
export const ClientList = z.object({ clients: z.array(Client) });
export const Email = z.object({
  id: z.string(),
  tenantId: z.string(),
  clientId: z.string(),
  userId: z.nullable(z.string()),
  template: z.string(),
  status: z.enum(["queued", "sending", "sent", "failed", "dead", "dropped", "suppressed"]).register(z.globalRegistry, {
    description: "suppressed: not sent, the recipient is on the suppression list (GET /v1/suppressions)",
  }),
  attempts: z.int(),
  provider: z.nullable(z.string()),
  providerMessageId: z.nullable(z.string()),
  lastError: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
  nextAttemptAt: z.nullable(z.iso.datetime()),
  sentAt: z.nullable(z.iso.datetime()),
  expiresAt: z.nullable(z.iso.datetime()),
  providerEvent: z.nullable(z.enum(["delivered", "bounced", "complained"])).register(z.globalRegistry, {
    description: "What the provider reported afterwards (POST /v1/mail-events/{provider})",
  }),
  providerEventAt: z.nullable(z.iso.datetime()),
});
export const EmailRetried = z.object({ id: z.string(), status: z.literal("queued") });
export const EmailList = z.object({ emails: z.array(Email), nextCursor: z.nullable(z.string()) });
export const Suppression = z.object({
  id: z.string(),
  tenantId: z.nullable(z.string()).register(z.globalRegistry, { description: "null: holds for every tenant" }),
  email: z.string().register(z.globalRegistry, { description: "Masked address, e.g. j***e@example.com" }),
  reason: z.enum(["bounce", "complaint"]),
  provider: z.string(),
  messageId: z.nullable(z.string()),
  createdAt: z.iso.datetime(),
});
export const SuppressionList = z.object({ suppressions: z.array(Suppression), nextCursor: z.nullable(z.string()) });
export const MailEventsReceived = z.object({ received: z.int() });
export const Health = z.object({
  status: z.enum(["ok", "degraded"]),
  checks: z.object({ d1: z.enum(["ok", "error"]), kv: z.enum(["ok", "error"]) }),
});
export const Jwks = z.object({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string() })) });
export const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.int(),
  detail: z.string(),
  instance: z.string(),
  code: z.string().register(z.globalRegistry, { description: "Stable machine code: branch on this" }),
  errors: z.optional(z.array(z.object({ path: z.string(), code: z.string(), message: z.string() }))),
  requestId: z.string(),
});
export const TenantCreated = z.object({
  tenantId: z.string(),
  name: z.string(),
  apiKey: z.string(),
  apiKeyId: z.string(),
});
export const ApiKey = z.object({
  id: z.string(),
  tenantId: z.string(),
  name: z.string(),
  prefix: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.nullable(z.iso.datetime()),
  revokedAt: z.nullable(z.iso.datetime()),
});
export const ApiKeyCreated = z.extend(ApiKey, {
  apiKey: z.string().register(z.globalRegistry, { description: "Shown once" }),
});
export const ApiKeyList = z.object({ apiKeys: z.array(ApiKey) });
export const ClientWithSecrets = z.extend(Client, {
  clientSecret: z.optional(z.string().register(z.globalRegistry, { description: "Shown once" })),
  webhookSecret: z.optional(z.string().register(z.globalRegistry, { description: "Shown once" })),
});
export const ClientSecret = z.object({ clientSecret: z.string() });
export const WebhookSecret = z.object({ webhookSecret: z.string() });
export const ImportResult = z.object({
  imported: z.array(z.object({ index: z.int(), id: z.string(), email: z.string() })),
  skipped: z.array(z.object({ index: z.int(), email: z.string(), code: z.string() })),
});
export const AuditEvent = z.object({
  id: z.string(),
  type: z.string(),
  time: z.iso.datetime(),
  tenantId: z.string(),
  clientId: z.nullable(z.string()),
  userId: z.nullable(z.string()),
  requestId: z.nullable(z.string()),
  ipPrefix: z.nullable(z.string()),
  country: z.nullable(z.string()),
  userAgent: z.nullable(z.string()),
  data: z.record(z.string(), z.unknown()),
});
export const EventPage = z.object({ events: z.array(AuditEvent), nextCursor: z.nullable(z.string()) });
export const PolicyCheck = z.looseObject({
  valid: z.boolean(),
  errors: z.array(z.object({ path: z.string(), code: z.string(), message: z.string() })),
});
