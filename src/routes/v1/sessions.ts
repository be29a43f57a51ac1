import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { exchangeLoginToken } from "../../flows/exchange-login-token";
import { getCurrentUser } from "../../flows/get-current-user";
import { signIn } from "../../flows/sign-in";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { ClientId, Email, str } from "./schemas";
import { publicUser } from "./views";

export const SignInBody = z.strictObject({ email: Email, password: str(1, 1024), clientId: z.optional(ClientId) });
export const ExchangeBody = z.strictObject({ loginToken: str(1, 4096) });

/** POST /v1/sessions, POST /v1/sessions/exchange. */
export const sessionRoutes = new Hono<AppEnv>()
  .post("/", validate("json", SignInBody), async (c) => c.json(await signIn(c.get("deps"), c.req.valid("json")), 200))
  .post("/exchange", validate("json", ExchangeBody), async (c) =>
    c.json(await exchangeLoginToken(c.get("deps"), c.req.valid("json").loginToken), 200),
  );

/** GET /v1/me with a Bearer access token. */
export const meRoutes = new Hono<AppEnv>().get("/", async (c) => {
  const auth = c.req.header("Authorization") ?? "";
  const token = /^Bearer\s+(\S+)$/i.exec(auth)?.[1] ?? null;
  return c.json(publicUser(await getCurrentUser(c.get("deps"), token)), 200);
});
