import { eq } from "drizzle-orm";
import type { Db } from "./client";
import type { PolicyOverrides } from "../domain/password-policy";
import { clients } from "./schema";

/** Per-client branding shown in pages and emails. */
export interface Branding {
  productName?: string;
  fromName?: string;
  fromAddress?: string;
  logoUrl?: string;
  accentColor?: string;
  supportUrl?: string;
  footer?: string;
}

export type { PolicyOverrides };

/** A client as the flows see it (JSON columns parsed). */
export interface Client {
  id: string;
  tenantId: string;
  name: string;
  hasSecret: boolean;
  resetUrl: string | null;
  redirectUris: string[];
  businessId: number | null;
  branding: Branding;
  defaultLocale: string;
  passwordPolicy: PolicyOverrides;
  linkTtlSeconds: number;
  codeTtlSeconds: number;
  adminLinkTtlSeconds: number;
  issueLoginToken: boolean;
  webhookUrl: string | null;
  createdAt: number;
}

type Row = typeof clients.$inferSelect;

function parseJson<T>(s: string, fallback: T): T {
  try {
    return JSON.parse(s) as T;
  } catch {
    return fallback;
  }
}

function toClient(r: Row): Client {
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
    webhookUrl: r.webhookUrl,
    createdAt: r.createdAt,
  };
}

/** Finds a client by its public id. */
export async function findClient(db: Db, id: string): Promise<Client | null> {
  const row = await db.select().from(clients).where(eq(clients.id, id)).get();
  return row ? toClient(row) : null;
}

/** Finds a client with its stored secret hash (Basic auth). */
export async function findClientWithSecret(db: Db, id: string): Promise<{ client: Client; secretHash: string | null } | null> {
  const row = await db.select().from(clients).where(eq(clients.id, id)).get();
  return row ? { client: toClient(row), secretHash: row.secretHash } : null;
}

/** Lists the clients of a tenant (null: of every tenant). */
export async function listClients(db: Db, tenantId: string | null): Promise<Client[]> {
  const q = db.select().from(clients);
  const rows = await (tenantId === null ? q : q.where(eq(clients.tenantId, tenantId))).orderBy(clients.createdAt).all();
  return rows.map(toClient);
}
