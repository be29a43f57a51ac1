import { Hono } from "hono";
import type { AppEnv } from "../../http/context";
import { listClients, type Client } from "../../db/clients";
import { adminAuth } from "./admin-auth";

/** The API view of a client (never its secret). */
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
  hasSecret: c.hasSecret,
  createdAt: new Date(c.createdAt).toISOString(),
});

/** GET /v1/clients: the clients of the caller's tenant (root: of every tenant). */
export const clientRoutes = new Hono<AppEnv>().use(adminAuth).get("/", async (c) => {
  const scope = c.get("admin");
  const clients = await listClients(c.get("deps").db, scope.tenantId);
  return c.json({ clients: clients.map(publicClient) }, 200);
});
