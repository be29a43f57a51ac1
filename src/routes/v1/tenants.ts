import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { SCOPES } from "../../domain/admin-scope";
import { createTenant } from "../../flows/create-tenant";
import { createApiKey, listKeys, revokeKey } from "../../flows/manage-api-keys";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { requireScope } from "../../http/require-scope";
import { Slug, str } from "./schemas";
import { publicApiKey } from "./views";

export const CreateTenantBody = z.strictObject({ name: str(1, 200), tenantId: z.optional(Slug) });
export const CreateApiKeyBody = z.strictObject({
  name: str(1, 200),
  tenantId: z.optional(Slug),
  /** Omitted: every scope. */
  scopes: z.optional(
    z.array(z.enum(SCOPES)).check(
      z.minLength(1),
      z.refine((list) => new Set(list).size === list.length, { message: "Scopes must not repeat." }),
    ),
  ),
});

/** POST /v1/tenants (root only): a tenant and its first API key. */
export const tenantRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .post("/", validate("json", CreateTenantBody), async (c) =>
    c.json(await createTenant(c.get("deps"), c.get("admin"), c.req.valid("json")), 201),
  );

/** POST/GET /v1/api-keys, DELETE /v1/api-keys/{id}: the caller's tenant keys (scope keys:write). */
export const apiKeyRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .use(requireScope("keys:write"))
  .post("/", validate("json", CreateApiKeyBody), async (c) => {
    const { key, apiKey } = await createApiKey(c.get("deps"), c.get("admin"), c.req.valid("json"));
    return c.json({ ...publicApiKey(key), apiKey }, 201);
  })
  .get("/", async (c) => c.json({ apiKeys: (await listKeys(c.get("deps"), c.get("admin"))).map(publicApiKey) }, 200))
  .delete("/:keyId", async (c) => {
    await revokeKey(c.get("deps"), c.get("admin"), c.req.param("keyId"));
    return c.body(null, 204);
  });
