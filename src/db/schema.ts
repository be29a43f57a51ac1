import { sql } from "drizzle-orm";
import { blob, index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

// All times are integer milliseconds since the epoch (UTC).

/** Isolation boundary for users (like a Keycloak realm). */
export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  createdAt: integer("created_at").notNull(),
  /**
   * JSON {digest, iterations, blocks, cost}: the dearest foreign hash imported into the tenant
   * (src/crypto/legacy-hash.ts). Every sign-in of the tenant costs that much while imported
   * hashes remain, so an imported account does not answer slower than others; null = none.
   */
  legacyVerify: text("legacy_verify"),
});

/** Tenant API keys (admin Bearer credentials): only the SHA-256 of the key is stored. */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** The first characters of the key (e.g. "rk_live_AbCd"), so people can tell keys apart. */
    prefix: text("prefix").notNull(),
    /** SHA-256 hex of the whole key (256-bit random, so no salt or stretching is needed). */
    keyHash: text("key_hash").notNull(),
    /**
     * JSON array of the scopes the key holds (src/domain/admin-scope.ts). Keys made before scopes
     * existed could do everything, so they keep every scope of that time.
     */
    scopes: text("scopes")
      .notNull()
      .default(
        '["users:read","users:write","resets:write","clients:read","clients:write","keys:write","events:read","emails:read","emails:write"]',
      ),
    createdAt: integer("created_at").notNull(),
    /** Updated at most once a minute per key, after the response (keeps D1 writes off the hot path). */
    lastUsedAt: integer("last_used_at"),
    revokedAt: integer("revoked_at"),
  },
  (t) => [uniqueIndex("api_keys_key_hash_uq").on(t.keyHash), index("api_keys_tenant_idx").on(t.tenantId)],
);

/** An application of a tenant: where links point, where users may be sent back, branding, policy. */
export const clients = sqliteTable(
  "clients",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    name: text("name").notNull(),
    /** SHA-256 of the client secret (Basic auth on admin routes); null = no secret. */
    secretHash: text("secret_hash"),
    /** Where the email link points; null = this service's hosted page. */
    resetUrl: text("reset_url"),
    /** JSON array of exact-match redirect URIs. */
    redirectUris: text("redirect_uris").notNull().default("[]"),
    /** Nexudus-style numeric location id. */
    businessId: integer("business_id"),
    /** JSON object: productName, fromName, fromAddress, logoUrl, accentColor, supportUrl, footer. */
    branding: text("branding").notNull().default("{}"),
    defaultLocale: text("default_locale").notNull().default("en"),
    /** JSON object of password-policy overrides. */
    passwordPolicy: text("password_policy").notNull().default("{}"),
    linkTtlSeconds: integer("link_ttl_seconds").notNull().default(1800),
    codeTtlSeconds: integer("code_ttl_seconds").notNull().default(600),
    adminLinkTtlSeconds: integer("admin_link_ttl_seconds").notNull().default(86400),
    issueLoginToken: integer("issue_login_token", { mode: "boolean" }).notNull().default(false),
    /** Wrong 6-digit codes an account may spend per 24 hours, across all its resets (src/db/budgets.ts). */
    codeBudget: integer("code_budget").notNull().default(10),
    /** https endpoint receiving signed webhook events; null = no webhooks. */
    webhookUrl: text("webhook_url"),
    /** The webhook signing secret, AES-GCM sealed (it must be recoverable to sign, unlike secret_hash). */
    webhookSecret: text("webhook_secret"),
    /** https page of the product that verifies a user's second factor before a reset completes (README: Step-up). */
    stepUpUrl: text("step_up_url"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [uniqueIndex("clients_business_id_uq").on(t.businessId), index("clients_tenant_idx").on(t.tenantId)],
);

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id),
    /** Normalized (trimmed, NFKC, lower-cased) email: the lookup key. */
    email: text("email").notNull(),
    name: text("name"),
    locale: text("locale"),
    /** PHC-style string (see src/crypto/password.ts); null until a password is set. */
    passwordHash: text("password_hash"),
    passwordChangedAt: integer("password_changed_at"),
    /** Sessions created before this instant are invalid, whatever their own state. */
    sessionsValidAfter: integer("sessions_valid_after").notNull().default(0),
    disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
    /** Set when the owner said "that wasn't me" (README: Account lock); password sign-in answers ACCOUNT_LOCKED until a reset completes or an admin unlocks. */
    lockedAt: integer("locked_at"),
    /** Set by an admin after a breach (README: Forced reset); password sign-in answers PASSWORD_RESET_REQUIRED until a reset completes. */
    mustResetPassword: integer("must_reset_password", { mode: "boolean" }).notNull().default(false),
    /** The product holds a second factor for this user: a reset through a client with stepUpUrl needs its proof. */
    mfa: integer("mfa", { mode: "boolean" }).notNull().default(false),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("users_tenant_email_uq").on(t.tenantId, t.email),
    // A force-reset job walks its tenant's flagged users in id order (src/db/force-reset-jobs.ts).
    index("users_tenant_reset_idx").on(t.tenantId, t.mustResetPassword, t.id),
  ],
);

/**
 * A forced reset of many users (README: Forced reset after a breach): the users were flagged when
 * the job was made; the cron starts their admin resets a few per run, walking them by id.
 */
export const forceResetJobs = sqliteTable(
  "force_reset_jobs",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    clientId: text("client_id").notNull(),
    /** JSON array of the user ids it was made for; null = every user of the tenant. */
    userIds: text("user_ids"),
    /** running | done */
    status: text("status").notNull(),
    /** Flagged, enabled users when the job was made: the resets it meant to start. */
    total: integer("total").notNull(),
    /** Resets started so far (users who reset, or were disabled, before their turn are skipped). */
    processed: integer("processed").notNull().default(0),
    /** The last user id walked past; null = not started. */
    cursor: text("cursor"),
    /** When the job last had a turn: the oldest turn goes first (fair between tenants). */
    lastRunAt: integer("last_run_at").notNull().default(0),
    createdAt: integer("created_at").notNull(),
    finishedAt: integer("finished_at"),
  },
  (t) => [index("force_reset_jobs_status_idx").on(t.status, t.tenantId, t.createdAt)],
);

/** One reset: a link token (stored as SHA-256) and a 6-digit code (stored as HMAC) for the same request. */
export const resetRequests = sqliteTable(
  "reset_requests",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    clientId: text("client_id").notNull(),
    userId: text("user_id").notNull(),
    /** "self" (forgot password) or "admin" (admin-initiated). */
    kind: text("kind").notNull(),
    tokenHash: text("token_hash").notNull(),
    codeHmac: text("code_hmac"),
    codeAttempts: integer("code_attempts").notNull().default(0),
    codeExpiresAt: integer("code_expires_at"),
    /** Set when a correct code was exchanged for a reset JWT: a code works once. */
    codeUsedAt: integer("code_used_at"),
    expiresAt: integer("expires_at").notNull(),
    redirectUri: text("redirect_uri"),
    locale: text("locale"),
    /**
     * The seed dialect the reset was started through (null: canonical API, hosted pages, admin).
     * Its password rules (src/domain/dialect-policy.ts) follow the reset to whichever route completes it.
     */
    dialect: text("dialect"),
    consumedAt: integer("consumed_at"),
    /** Random marker written by the winning completion; guards the rest of its batch. */
    consumedBy: text("consumed_by"),
    /** Set when a newer request, a completed reset or an admin action killed this one. */
    invalidatedAt: integer("invalidated_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("reset_requests_token_hash_uq").on(t.tokenHash),
    index("reset_requests_user_idx").on(t.userId, t.createdAt),
    index("reset_requests_expires_idx").on(t.expiresAt),
  ],
);

/**
 * Budgets that guard accounts, exact under concurrency (src/db/budgets.ts): sign-in failures per
 * account and per (account, network), wrong codes per account, reset emails per address. A row is
 * a fixed window that starts with its first unit; every unit is taken by one conditional upsert.
 * Keys name the budget and carry a keyed hash of the address, never the address itself.
 */
export const budgets = sqliteTable(
  "budgets",
  {
    key: text("key").primaryKey(),
    count: integer("count").notNull(),
    windowEndsAt: integer("window_ends_at").notNull(),
    /** Random marker of the statement that took the last unit: later statements of its batch test it. */
    nonce: text("nonce"),
  },
  (t) => [index("budgets_window_idx").on(t.windowEndsAt)],
);

export const sessions = sqliteTable(
  "sessions",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    clientId: text("client_id").notNull(),
    createdAt: integer("created_at").notNull(),
    expiresAt: integer("expires_at").notNull(),
    revokedAt: integer("revoked_at"),
  },
  (t) => [index("sessions_user_idx").on(t.userId), index("sessions_expires_idx").on(t.expiresAt)],
);

/** Single-use JWT ids: "login" tokens (exchanged once for a session). */
export const oneTimeTokens = sqliteTable(
  "one_time_tokens",
  {
    id: text("id").primaryKey(),
    kind: text("kind").notNull(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    clientId: text("client_id").notNull(),
    expiresAt: integer("expires_at").notNull(),
    usedAt: integer("used_at"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("one_time_tokens_expires_idx").on(t.expiresAt)],
);

/**
 * Transactional outbox of emails and webhook deliveries (src/outbox/): written in the same batch as
 * what it announces; payload AES-GCM encrypted.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    clientId: text("client_id").notNull(),
    userId: text("user_id"),
    resetRequestId: text("reset_request_id"),
    /** "email" (a message for the mailer) or "webhook" (a signed POST to the client's webhook URL). */
    channel: text("channel").notNull().default("email"),
    /** The email template, or the webhook event type. */
    template: text("template").notNull(),
    /** queued | sending | sent | failed | dead | dropped | suppressed (its recipient is on the suppression list) */
    status: text("status").notNull(),
    /** base64url(iv || ciphertext); wiped (null) once the message is sent, failed, dead or dropped. */
    payload: text("payload"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    /** While "sending": the claim is the sender's until this instant (crash recovery). */
    leaseUntil: integer("lease_until"),
    /** The message is dropped instead of sent after this instant (its token is dead). */
    expiresAt: integer("expires_at"),
    lastError: text("last_error"),
    /**
     * MAIL_PROVIDER value of the last attempt, or of the next one while queued (the fallback once
     * the row switched); for a sent row, the provider that sent it. Null: not attempted yet.
     */
    provider: text("provider"),
    providerMessageId: text("provider_message_id"),
    /** Emails: the recipient's suppressionKey (src/db/suppressions.ts), checked when the row is inserted or claimed. */
    toHash: text("to_hash"),
    /** What the provider reported later (POST /v1/mail-events): delivered | bounced | complained; null = nothing yet. */
    providerEvent: text("provider_event"),
    providerEventAt: integer("provider_event_at"),
    createdAt: integer("created_at").notNull(),
    sentAt: integer("sent_at"),
  },
  (t) => [
    index("outbox_due_idx").on(t.status, t.nextAttemptAt),
    // Provider events name the message by the provider's id.
    index("outbox_provider_message_idx").on(t.providerMessageId),
    // Admin listing per tenant, and retention purges by status and age.
    index("outbox_tenant_idx").on(t.tenantId, t.createdAt),
    index("outbox_status_created_idx").on(t.status, t.createdAt),
  ],
);

/**
 * Addresses that get no email (a hard bounce or a complaint reported by the provider) until an
 * admin lifts them. Only a keyed hash of the normalized address and a masked form are stored.
 */
export const suppressions = sqliteTable(
  "suppressions",
  {
    id: text("id").primaryKey(),
    /** The tenant whose message bounced; "*" = every tenant (the event named no message of ours). */
    tenantId: text("tenant_id").notNull(),
    /** suppressionKey of the normalized address (HMAC with the lookup key): the lookup key. */
    addressHash: text("address_hash").notNull(),
    /** For display only: "j***e@example.com". */
    maskedAddress: text("masked_address").notNull(),
    /** bounce | complaint */
    reason: text("reason").notNull(),
    provider: text("provider").notNull(),
    /** The outbox row the event was about; null when it named no message of ours. */
    messageId: text("message_id"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    uniqueIndex("suppressions_address_uq").on(t.addressHash, t.tenantId),
    index("suppressions_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);

export const auditEvents = sqliteTable(
  "audit_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    clientId: text("client_id"),
    userId: text("user_id"),
    type: text("type").notNull(),
    requestId: text("request_id"),
    ipPrefix: text("ip_prefix"),
    country: text("country"),
    userAgent: text("user_agent"),
    /** JSON object with event details; never secrets. */
    data: text("data").notNull().default("{}"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [
    index("audit_events_user_idx").on(t.userId, t.createdAt),
    index("audit_events_tenant_idx").on(t.tenantId, t.createdAt),
    // Retention purges by age across tenants.
    index("audit_events_created_idx").on(t.createdAt),
    index("audit_events_tenant_type_idx").on(t.tenantId, t.type, t.createdAt),
  ],
);

/** Earlier password hashes of a user (newest first), for the "no reuse of the last N" rule. */
export const passwordHistory = sqliteTable(
  "password_history",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    passwordHash: text("password_hash").notNull(),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("password_history_user_idx").on(t.userId, t.createdAt)],
);

/**
 * The common-password blocklist as a bucketed fingerprint set: bucket = first 12 bits of
 * SHA-256(password), fingerprints = the next 32 bits of each listed password, concatenated.
 * A lookup reads one ~100-byte row; false positives ~1 in 170 million. Filled by a generated migration.
 */
export const commonPasswordBuckets = sqliteTable("common_password_buckets", {
  bucket: integer("bucket").primaryKey(),
  fingerprints: blob("fingerprints").notNull(),
});

/** Captured mail of the `dev` provider, shown at /dev/mailbox (development only). */
export const devMailbox = sqliteTable("dev_mailbox", {
  id: text("id").primaryKey(),
  to: text("to_address").notNull(),
  from: text("from_address").notNull(),
  subject: text("subject").notNull(),
  html: text("html").notNull(),
  text: text("text").notNull(),
  headers: text("headers").notNull().default("{}"),
  createdAt: integer("created_at").notNull().default(sql`(unixepoch() * 1000)`),
});
