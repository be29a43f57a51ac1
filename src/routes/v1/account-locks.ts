import { Hono } from "hono/tiny";
import * as z from "zod/mini";
import { lockAccount } from "../../flows/lock-account";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { str } from "./schemas";

export const AccountLockBody = z.strictObject({ token: str(1, 4096) });

/** POST /v1/account-locks: "that wasn't me" for products with their own UI (the token of the emailed link). */
export const accountLocks = new Hono<AppEnv>().post("/", validate("json", AccountLockBody), async (c) => {
  await lockAccount(c.get("deps"), c.req.valid("json").token);
  return c.json({ status: "locked" as const }, 200);
});
