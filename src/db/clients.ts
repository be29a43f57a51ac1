import { and, eq, isNull, sql } from "drizzle-orm";
import type { Branding, Client, ClientFields } from "../domain/client";
import type { PolicyOverrides } from "../domain/password-policy";
import type { Db } from "./client";
import { guardedInsert } from "./guarded";
import { clientsBelow } from "./quotas";
import { prebuilt } from "./raw";
import { clients, resetRequests } from "./schema";

type Row = typeof clients.$inferSelect;
export type ClientRow = Row;

function parseJson<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

export function toClient(r: Row): Client {
  return {
    id: r.id,
    tenantId: r.tenantId,
    name: r.name,
    hasSecret: r.secretHash !== null,
    resetUrl: r.resetUrl,
    redirectUris: parseJson<string[]>(r.redirectUris, []),
    businessId: r.businessId,
    branding: parseJson<Branding>(r.branding, {}),
    defaultLocale: r.defaultLocale,
    passwordPolicy: parseJson<PolicyOverrides>(r.passwordPolicy, {}),
    linkTtlSeconds: r.linkTtlSeconds,
    codeTtlSeconds: r.codeTtlSeconds,
    adminLinkTtlSeconds: r.adminLinkTtlSeconds,
    issueLoginToken: r.issueLoginToken,
    codeBudget: r.codeBudget,
    webhookUrl: r.webhookUrl,
    stepUp: r.stepUpUrl ? { url: r.stepUpUrl } : null,
    createdAt: r.createdAt,
  };
}

/** A client by its public id, as a batch item (rows map through toClient). */
const byId = prebuilt((db) =>
  db
    .select()
    .from(clients)
    .where(eq(clients.id, sql.placeholder("id"))),
);
export const clientById = (db: Db, id: string) => byId(db, { id });

/** Select of the clients with these ids, in no order, as one batch item. */
const byIds = prebuilt((db) =>
  db
    .select()
    .from(clients)
    .where(sql`${clients.id} IN (SELECT value FROM json_each(${sql.placeholder("ids")}))`),
);
export const clientsByIds = (db: Db, ids: string[]) => byIds(db, { ids: JSON.stringify(ids) });

/** Finds a client by its public id. */
export async function findClient(db: Db, id: string): Promise<Client | null> {
  const row = await clientById(db, id).get();
  return row ? toClient(row) : null;
}

/** Finds the client carrying a Nexudus-style numeric businessId (unique). */
export async function findClientByBusinessId(db: Db, businessId: number): Promise<Client | null> {
  const row = await db.select().from(clients).where(eq(clients.businessId, businessId)).get();
  return row ? toClient(row) : null;
}

/** Finds a client with its stored secret hash (Basic auth). */
export async function findClientWithSecret(
  db: Db,
  id: string,
): Promise<{ client: Client; secretHash: string | null } | null> {
  const row = await clientById(db, id).get();
  return row ? { client: toClient(row), secretHash: row.secretHash } : null;
}

/** Lists the clients of a tenant (null: of every tenant). */
export async function listClients(db: Db, tenantId: string | null): Promise<Client[]> {
  const q = db.select().from(clients);
  const rows = await (tenantId === null ? q : q.where(eq(clients.tenantId, tenantId))).orderBy(clients.createdAt).all();
  return rows.map(toClient);
}

function toRow(f: ClientFields): Partial<Row> {
  const { redirectUris, branding, passwordPolicy, stepUp, ...rest } = f;
  return {
    ...rest,
    ...(stepUp !== undefined ? { stepUpUrl: stepUp?.url ?? null } : {}),
    ...(redirectUris ? { redirectUris: JSON.stringify(redirectUris) } : {}),
    ...(branding ? { branding: JSON.stringify(branding) } : {}),
    ...(passwordPolicy ? { passwordPolicy: JSON.stringify(passwordPolicy) } : {}),
  };
}

/**
 * Insert statement for a new client (batch item), made only while the tenant has fewer than
 * `maxClients` (TENANT_QUOTAS.clients): check the statement's changes.
 */
export const insertClient = (
  db: Db,
  row: {
    id: string;
    tenantId: string;
    secretHash: string;
    webhookSecret: string | null;
    createdAt: number;
  } & ClientFields & { name: string },
  maxClients: number,
) =>
  guardedInsert(
    db,
    clients,
    {
      ...toRow(row),
      id: row.id,
      tenantId: row.tenantId,
      name: row.name,
      secretHash: row.secretHash,
      webhookSecret: row.webhookSecret,
      createdAt: row.createdAt,
    } as typeof clients.$inferInsert,
    clientsBelow(row.tenantId, maxClients),
  );

/** Guard of a statement that goes with a client's creation (its audit event): true once the client exists. */
export const clientExists = (id: string) => sql`EXISTS (SELECT 1 FROM ${clients} WHERE ${clients.id} = ${id})`;

/** Update statement for a client of a tenant (null: any tenant); batch item. */
export const updateClientRow = (
  db: Db,
  id: string,
  tenantId: string | null,
  patch: ClientFields & { secretHash?: string; webhookSecret?: string | null },
) =>
  db
    .update(clients)
    .set(toRow(patch))
    .where(and(eq(clients.id, id), tenantId === null ? undefined : eq(clients.tenantId, tenantId)));

/** The webhook URL and sealed signing secret of a client, read at send time (src/outbox/channels/webhook.ts). */
export async function findWebhookTarget(
  db: Db,
  id: string,
): Promise<{ url: string | null; sealedSecret: string | null; tenantId: string } | null> {
  const row = await db
    .select({ url: clients.webhookUrl, sealedSecret: clients.webhookSecret, tenantId: clients.tenantId })
    .from(clients)
    .where(eq(clients.id, id))
    .get();
  return row ?? null;
}

/** Kills a client's outstanding resets (batch item): their links would point at a client that no longer exists. */
export const invalidateClientResets = (db: Db, id: string, now: number) =>
  db
    .update(resetRequests)
    .set({ invalidatedAt: now })
    .where(and(eq(resetRequests.clientId, id), isNull(resetRequests.consumedAt), isNull(resetRequests.invalidatedAt)));

/** Delete statement for a client (batch item). */
export const deleteClientRow = (db: Db, id: string) => db.delete(clients).where(eq(clients.id, id));
