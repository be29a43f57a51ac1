import { Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { createApiKey, createTenant, listKeys, revokeKey } from "../../flows/api-keys";
import { adminAuth, rootOnly, targetTenant } from "./admin-auth";
import { Slug, str } from "./schemas";

export const CreateTenantBody = z.strictObject({ name: str(1, 200), tenantId: z.optional(Slug) });
export const CreateApiKeyBody = z.strictObject({ name: str(1, 200), tenantId: z.optional(Slug) });

/** POST /v1/tenants (root only): a tenant and its first API key. */
export const tenantRoutes = new Hono<AppEnv>()
  .use(adminAuth, rootOnly)
  .post("/", validate("json", CreateTenantBody), async (c) => c.json(await createTenant(c.get("deps"), c.req.valid("json")), 201));

/** POST/GET /v1/api-keys, DELETE /v1/api-keys/{id}: the caller's tenant keys. */
export const apiKeyRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .post("/", validate("json", CreateApiKeyBody), async (c) => {
    const deps = c.get("deps");
    const { name, tenantId } = c.req.valid("json");
    return c.json(await createApiKey(deps, await targetTenant(deps, c.get("admin"), tenantId), name), 201);
  })
  .get("/", async (c) => c.json({ apiKeys: await listKeys(c.get("deps"), c.get("admin")) }, 200))
  .delete("/:keyId", async (c) => {
    await revokeKey(c.get("deps"), c.get("admin"), c.req.param("keyId"));
    return c.body(null, 204);
  });
