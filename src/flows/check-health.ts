import type { Deps } from "../deps";

type Check = "ok" | "error";

/** Whether D1 and KV answer (GET /healthz); never throws, never says why (operators read the logs). */
export async function checkHealth(deps: Deps): Promise<{ ok: boolean; checks: { d1: Check; kv: Check } }> {
  const check = async (fn: () => Promise<unknown>): Promise<Check> => {
    try {
      await fn();
      return "ok";
    } catch {
      return "error";
    }
  };
  const [d1, kv] = await Promise.all([
    check(() => deps.db.$client.prepare("SELECT 1").first()),
    check(() => deps.kv.get("healthz")),
  ]);
  return { ok: d1 === "ok" && kv === "ok", checks: { d1, kv } };
}
