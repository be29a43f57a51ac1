import type { Context } from "hono";
import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import {
  createClient,
  deleteClient,
  getClientFor,
  listClientsFor,
  rotateSecret,
  updateClient,
} from "../../flows/manage-clients";
import { adminAuth } from "../../http/admin-auth";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { requireScope } from "../../http/require-scope";
import { Email, Locale, Slug, str, Url } from "./schemas";
import { publicClient } from "./views";

const int = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));
const opt = z.optional;

export const Branding = z.strictObject({
  productName: opt(str(1, 100)),
  fromName: opt(str(1, 100)),
  fromAddress: opt(Email),
  logoUrl: opt(Url),
  accentColor: opt(z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/))),
  supportUrl: opt(Url),
  footer: opt(str(1, 500)),
});
export const PasswordPolicyBody = z.strictObject({
  minLength: opt(int(8, 64)),
  maxLength: opt(int(8, 256)),
  requireUpper: opt(z.boolean()),
  requireLower: opt(z.boolean()),
  requireDigit: opt(z.boolean()),
  requireSymbol: opt(z.boolean()),
  minDistinctChars: opt(int(0, 64)),
  historySize: opt(int(0, 10)),
  breachCheck: opt(z.boolean()),
  blockedWords: opt(z.array(str(3, 64)).check(z.maxLength(50))),
});
const fields = {
  name: opt(str(1, 200)),
  resetUrl: opt(z.nullable(Url)),
  redirectUris: opt(z.array(Url).check(z.maxLength(20))),
  businessId: opt(z.nullable(int(1, 2 ** 31 - 1))),
  branding: opt(Branding),
  defaultLocale: opt(Locale),
  passwordPolicy: opt(PasswordPolicyBody),
  linkTtlSeconds: opt(int(300, 86_400)),
  codeTtlSeconds: opt(int(60, 3_600)),
  adminLinkTtlSeconds: opt(int(300, 30 * 86_400)),
  issueLoginToken: opt(z.boolean()),
  // Wrong 6-digit codes per account per 24 hours, across all its resets.
  codeBudget: opt(int(1, 100)),
  webhookUrl: opt(z.nullable(Url)),
  // The product's page that verifies a second factor before a reset of a user with mfa completes.
  stepUp: opt(z.nullable(z.strictObject({ url: Url }))),
};
export const CreateClientBody = z.strictObject({
  ...fields,
  name: str(1, 200),
  clientId: opt(Slug),
  tenantId: opt(Slug),
});
export const UpdateClientBody = z.strictObject(fields);

const ownClient = (c: Context<AppEnv>) => c.req.param("clientId");

/** /v1/clients: CRUD of the caller's tenant's clients (root: every tenant's), secret rotation. */
export const clientRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .get("/", requireScope("clients:read"), async (c) =>
    c.json({ clients: (await listClientsFor(c.get("deps"), c.get("admin"))).map(publicClient) }, 200),
  )
  .post("/", requireScope("clients:write"), validate("json", CreateClientBody), async (c) => {
    const { client, ...secrets } = await createClient(c.get("deps"), c.get("admin"), c.req.valid("json"));
    return c.json({ ...publicClient(client), ...secrets }, 201);
  })
  // Client credentials may read their own client.
  .get("/:clientId", requireScope("clients:read", ownClient), async (c) =>
    c.json(publicClient(await getClientFor(c.get("deps"), c.get("admin"), c.req.param("clientId"))), 200),
  )
  .patch("/:clientId", requireScope("clients:write"), validate("json", UpdateClientBody), async (c) => {
    const { client, ...secrets } = await updateClient(
      c.get("deps"),
      c.get("admin"),
      c.req.param("clientId"),
      c.req.valid("json"),
    );
    return c.json({ ...publicClient(client), ...secrets }, 200);
  })
  .delete("/:clientId", requireScope("clients:write"), async (c) => {
    await deleteClient(c.get("deps"), c.get("admin"), c.req.param("clientId"));
    return c.body(null, 204);
  })
  .post("/:clientId/secret", requireScope("clients:write"), async (c) =>
    c.json({ clientSecret: await rotateSecret(c.get("deps"), c.get("admin"), c.req.param("clientId"), "client") }, 200),
  )
  .post("/:clientId/webhook-secret", requireScope("clients:write"), async (c) =>
    c.json(
      { webhookSecret: await rotateSecret(c.get("deps"), c.get("admin"), c.req.param("clientId"), "webhook") },
      200,
    ),
  );
