import { b64url, randomBytes } from "../crypto/encoding";
import { seal } from "../crypto/envelope";
import { newId, sha256Hex } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import {
  clientExists,
  deleteClientRow,
  findClient,
  findWebhookTarget,
  insertClient,
  invalidateClientResets,
  listClients,
  updateClientRow,
} from "../db/clients";
import { guardedInsert } from "../db/guarded";
import { auditEvents } from "../db/schema";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import type { Client, ClientFields } from "../domain/client";
import { senderDomainAllowed } from "../domain/email";
import { AppError, type FieldError, quotaExceeded } from "../domain/errors";
import { dropQueuedForClient } from "../outbox/store";
import { forgetClient } from "./resolve-client";
import { enforceAdminWrite, targetTenant } from "./target-tenant";

/** A new client secret: 256 random bits; only its SHA-256 is stored. */
const newSecret = (prefix: string) => prefix + b64url(randomBytes(32));
/** Seals a webhook secret to its client (AES-GCM; the client id as associated data). */
const sealWebhookSecret = (deps: Deps, clientId: string, secret: string) =>
  seal(deps.config.keys.outbox, secret, `whsec:${clientId}`);

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "[::1]"]);

/** Every URL a client configures must be https; plain http only for localhost in development. */
export function urlProblems(deps: Deps, fields: ClientFields): FieldError[] {
  const errors: FieldError[] = [];
  const check = (path: string, raw: string) => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      errors.push({ path, code: "INVALID_URL", message: "Must be an absolute URL." });
      return;
    }
    const devLocal = u.protocol === "http:" && LOCAL_HOSTS.has(u.hostname) && deps.config.environment === "development";
    if (u.protocol !== "https:" && !devLocal)
      errors.push({ path, code: "URL_NOT_HTTPS", message: "Must use https (http only for localhost in development)." });
    else if (u.username || u.password || u.hash)
      errors.push({ path, code: "INVALID_URL", message: "Must not carry credentials or a #fragment." });
  };
  if (fields.resetUrl) check("resetUrl", fields.resetUrl);
  if (fields.webhookUrl) check("webhookUrl", fields.webhookUrl);
  if (fields.stepUp) check("stepUp.url", fields.stepUp.url);
  for (const [i, uri] of (fields.redirectUris ?? []).entries()) check(`redirectUris.${i}`, uri);
  return errors;
}

/** A branded sender must be on one of the deployment's sender domains (MAIL_FROM_DOMAINS). */
function senderProblems(deps: Deps, fields: ClientFields): FieldError[] {
  const from = fields.branding?.fromAddress;
  if (!from || senderDomainAllowed(from, deps.config.mailFromDomains)) return [];
  return [
    {
      path: "branding.fromAddress",
      code: "FROM_DOMAIN_NOT_ALLOWED",
      message: `Must be an address at ${deps.config.mailFromDomains.join(", ") || "the domain of MAIL_FROM"} (MAIL_FROM_DOMAINS).`,
    },
  ];
}

function assertValid(deps: Deps, fields: ClientFields) {
  const errors = [...urlProblems(deps, fields), ...senderProblems(deps, fields)];
  if (errors.length) throw new AppError("VALIDATION_FAILED", undefined, errors);
}

/**
 * Where a client sends users and data, and how many codes may be guessed: a change of one is how an
 * attacker would steal resets.
 */
const SENSITIVE = ["resetUrl", "redirectUris", "webhookUrl", "branding", "stepUp", "codeBudget"] as const;

/** Old and new value of every sensitive field a PATCH changes (for the audit trail). */
function sensitiveChanges(before: Client, fields: ClientFields) {
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of SENSITIVE) {
    const to = fields[k];
    if (to !== undefined && JSON.stringify(to) !== JSON.stringify(before[k])) changes[k] = { from: before[k], to };
  }
  return Object.keys(changes).length ? { changes } : {};
}

const conflict = (e: unknown): never => {
  if (/UNIQUE|constraint/i.test(String(e))) throw new AppError("CLIENT_EXISTS");
  throw e;
};

/** A client of the caller's tenant, or CLIENT_NOT_FOUND (also for another tenant's client: nothing is revealed). */
export async function getClientFor(deps: Deps, scope: AdminScope, id: string): Promise<Client> {
  const client = await findClient(deps.db, id);
  if (!client || (scope.tenantId !== null && client.tenantId !== scope.tenantId))
    throw new AppError("CLIENT_NOT_FOUND", `No client with id ${id}.`);
  return client;
}

/** The caller's tenant's clients (root: every tenant's). */
export function listClientsFor(deps: Deps, scope: AdminScope): Promise<Client[]> {
  return listClients(deps.db, scope.tenantId);
}

/**
 * Creates a client in the caller's tenant; its secret (and webhook secret, when a webhook URL is set)
 * are returned once. A client with a businessId is a Nexudus location, whose portals exchange the
 * one-time login token after a reset (seed 000): it issues one unless issueLoginToken says otherwise.
 */
export async function createClient(
  deps: Deps,
  scope: AdminScope,
  input: ClientFields & { name: string; clientId?: string; tenantId?: string },
): Promise<{ client: Client; clientSecret: string; webhookSecret?: string }> {
  const { clientId, tenantId: wanted, ...fields } = input;
  await enforceAdminWrite(deps, scope);
  const tenantId = await targetTenant(deps, scope, wanted);
  assertValid(deps, fields);
  const id = clientId ?? newId("cli_");
  const now = deps.now();
  const clientSecret = newSecret("cs_");
  const webhookSecret = fields.webhookUrl ? newSecret("whsec_") : undefined;
  const maxClients = deps.config.quotas.clients;
  const audit = auditRow(deps.meta, now, {
    type: "client.created",
    tenantId,
    clientId: id,
    data: { actor: scope.actor },
  });
  const [created] = await deps.db
    .batch([
      insertClient(
        deps.db,
        {
          ...fields,
          issueLoginToken: fields.issueLoginToken ?? (fields.businessId != null ? true : undefined),
          id,
          tenantId,
          secretHash: await sha256Hex(clientSecret),
          webhookSecret: webhookSecret ? await sealWebhookSecret(deps, id, webhookSecret) : null,
          createdAt: now,
        },
        maxClients,
      ),
      guardedInsert(deps.db, auditEvents, audit, clientExists(id)),
    ])
    .catch(conflict);
  if (created.meta.changes === 0) throw quotaExceeded("clients", maxClients);
  return { client: (await findClient(deps.db, id))!, clientSecret, ...(webhookSecret ? { webhookSecret } : {}) };
}

/**
 * Updates a client (fields given replace the stored ones; branding and passwordPolicy as a whole).
 * The audit event names the changed fields, who changed them, and the old and new value of where
 * links, redirects and webhooks point and of the branding.
 */
export async function updateClient(
  deps: Deps,
  scope: AdminScope,
  id: string,
  fields: ClientFields,
): Promise<{ client: Client; webhookSecret?: string }> {
  await enforceAdminWrite(deps, scope);
  const before = await getClientFor(deps, scope, id);
  assertValid(deps, fields);
  const now = deps.now();
  // The first webhook URL of a client comes with a secret to verify it (shown this once).
  const target = await findWebhookTarget(deps.db, id);
  const webhookSecret = fields.webhookUrl && !target?.sealedSecret ? newSecret("whsec_") : undefined;
  await deps.db
    .batch([
      updateClientRow(deps.db, id, before.tenantId, {
        ...fields,
        ...(webhookSecret ? { webhookSecret: await sealWebhookSecret(deps, id, webhookSecret) } : {}),
      }),
      insertAudit(
        deps.db,
        auditRow(deps.meta, now, {
          type: "client.updated",
          tenantId: before.tenantId,
          clientId: id,
          data: { fields: Object.keys(fields), actor: scope.actor, ...sensitiveChanges(before, fields) },
        }),
      ),
    ])
    .catch(conflict);
  forgetClient(id);
  return { client: (await findClient(deps.db, id))!, ...(webhookSecret ? { webhookSecret } : {}) };
}

/** Rotates the client secret (Basic auth) or the webhook signing secret; the new one is returned once. */
export async function rotateSecret(
  deps: Deps,
  scope: AdminScope,
  id: string,
  which: "client" | "webhook",
): Promise<string> {
  await enforceAdminWrite(deps, scope);
  const client = await getClientFor(deps, scope, id);
  const secret = newSecret(which === "client" ? "cs_" : "whsec_");
  const patch =
    which === "client"
      ? { secretHash: await sha256Hex(secret) }
      : { webhookSecret: await sealWebhookSecret(deps, id, secret) };
  const now = deps.now();
  await deps.db.batch([
    updateClientRow(deps.db, id, client.tenantId, patch),
    insertAudit(
      deps.db,
      auditRow(deps.meta, now, {
        type: which === "client" ? "client.secret_rotated" : "client.webhook_secret_rotated",
        tenantId: client.tenantId,
        clientId: id,
        data: { actor: scope.actor },
      }),
    ),
  ]);
  forgetClient(id);
  return secret;
}

/**
 * Deletes a client. Its outstanding resets are invalidated (their links and codes stop working)
 * and its queued reset emails and webhooks are dropped; users, sessions and audit events stay (they
 * belong to the tenant). The default client cannot be deleted: public requests fall back to it.
 */
export async function deleteClient(deps: Deps, scope: AdminScope, id: string): Promise<void> {
  await enforceAdminWrite(deps, scope);
  const client = await getClientFor(deps, scope, id);
  if (id === deps.config.defaultClientId)
    throw new AppError("FORBIDDEN", "The default client (DEFAULT_CLIENT_ID) cannot be deleted.");
  const now = deps.now();
  // Its links would point at a client that no longer exists; queued reset emails and webhooks of it
  // are dropped (payload wiped); "password changed" notices already queued still go out.
  const [resets] = await deps.db.batch([
    invalidateClientResets(deps.db, id, now),
    dropQueuedForClient(deps.db, id),
    deleteClientRow(deps.db, id),
    insertAudit(
      deps.db,
      auditRow(deps.meta, now, {
        type: "client.deleted",
        tenantId: client.tenantId,
        clientId: id,
        data: { actor: scope.actor },
      }),
    ),
  ]);
  forgetClient(id);
  if (resets.meta.changes > 0) {
    await insertAudit(
      deps.db,
      auditRow(deps.meta, now, {
        type: "password_reset.invalidated",
        tenantId: client.tenantId,
        clientId: id,
        data: { reason: "client_deleted", count: resets.meta.changes },
      }),
    ).run();
  }
}
