import type { Context } from "hono";
import type { AppEnv } from "../../http/context";
import { bodyRules } from "../../http/middleware";

/** Page posts: urlencoded forms only (what browsers send without JavaScript), at most 16 KiB. */
export const formBody = () => bodyRules(["application/x-www-form-urlencoded"]);

/** The posted form as strings (absent or file fields read as ""). */
export async function formFields(c: Context<AppEnv>): Promise<(name: string) => string> {
  const body = await c.req.parseBody();
  const form: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) if (typeof v === "string") form[k] = v;
  // For the error page of this post (src/routes/pages/index.ts), which never reads the body itself.
  c.set("form", form);
  return (name) => form[name] ?? "";
}

/** True when the script posted the form and wants JSON back (inline errors) instead of a page. */
export const wantsJson = (c: Context<AppEnv>) => (c.req.header("Accept") ?? "").includes("application/json");
