import type { EventRow } from "../../db/events";
import type { ForceResetJob } from "../../db/force-reset-jobs";
import type { Suppression } from "../../db/suppressions";
import type { User } from "../../db/users";
import type { Client } from "../../domain/client";
import type { ApiKeyView } from "../../flows/manage-api-keys";
import type { OutboxRow } from "../../outbox/store";

// How the API shows what flows return: ISO times, and never a hash, secret, payload or recipient.

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** A user (never the hash). */
export const publicUser = (u: User) => ({
  id: u.id,
  tenantId: u.tenantId,
  email: u.email,
  name: u.name,
  locale: u.locale,
  disabled: u.disabled,
  mfa: u.mfa,
  locked: u.lockedAt !== null,
  hasPassword: u.passwordHash !== null,
  mustResetPassword: u.mustResetPassword,
  passwordChangedAt: iso(u.passwordChangedAt),
  createdAt: iso(u.createdAt)!,
});

/** A force-reset job's progress (never its user ids). */
export const publicForceResetJob = (j: ForceResetJob) => ({
  jobId: j.id,
  status: j.status,
  total: j.total,
  processed: j.processed,
  createdAt: iso(j.createdAt)!,
  finishedAt: iso(j.finishedAt),
});

/** A client (never its secrets). */
export const publicClient = (c: Client) => ({
  clientId: c.id,
  tenantId: c.tenantId,
  name: c.name,
  resetUrl: c.resetUrl,
  redirectUris: c.redirectUris,
  businessId: c.businessId,
  branding: c.branding,
  defaultLocale: c.defaultLocale,
  passwordPolicy: c.passwordPolicy,
  linkTtlSeconds: c.linkTtlSeconds,
  codeTtlSeconds: c.codeTtlSeconds,
  adminLinkTtlSeconds: c.adminLinkTtlSeconds,
  issueLoginToken: c.issueLoginToken,
  codeBudget: c.codeBudget,
  webhookUrl: c.webhookUrl,
  stepUp: c.stepUp,
  hasSecret: c.hasSecret,
  createdAt: iso(c.createdAt)!,
});

/** An API key (never the key or its hash). */
export const publicApiKey = (k: ApiKeyView) => ({
  id: k.id,
  tenantId: k.tenantId,
  name: k.name,
  prefix: k.prefix,
  scopes: k.scopes,
  createdAt: iso(k.createdAt)!,
  lastUsedAt: iso(k.lastUsedAt),
  revokedAt: iso(k.revokedAt),
});

/** An audit event. */
export const publicEvent = (e: EventRow) => ({
  id: e.id,
  type: e.type,
  time: iso(e.createdAt)!,
  tenantId: e.tenantId,
  clientId: e.clientId,
  userId: e.userId,
  requestId: e.requestId,
  ipPrefix: e.ipPrefix,
  country: e.country,
  userAgent: e.userAgent,
  data: JSON.parse(e.data) as Record<string, unknown>,
});

/**
 * The operator view of an outbox row. No body and no recipient: the payload is encrypted (and
 * wiped once final); `userId` leads to the user. lastError never holds addresses (redacted).
 */
export const publicEmail = (r: OutboxRow) => ({
  id: r.id,
  tenantId: r.tenantId,
  clientId: r.clientId,
  userId: r.userId,
  template: r.template,
  status: r.status,
  attempts: r.attempts,
  provider: r.provider,
  providerMessageId: r.providerMessageId,
  lastError: r.lastError,
  createdAt: iso(r.createdAt),
  nextAttemptAt: r.status === "queued" ? iso(r.nextAttemptAt) : null,
  sentAt: iso(r.sentAt),
  expiresAt: iso(r.expiresAt),
  providerEvent: r.providerEvent,
  providerEventAt: iso(r.providerEventAt),
});

/** A suppressed address, masked; tenantId null = it holds for every tenant. */
export const publicSuppression = (s: Suppression) => ({
  id: s.id,
  tenantId: s.tenantId === "*" ? null : s.tenantId,
  email: s.maskedAddress,
  reason: s.reason,
  provider: s.provider,
  messageId: s.messageId,
  createdAt: iso(s.createdAt)!,
});
