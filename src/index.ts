import { createApp } from "./app";
import type { Env } from "./config";
import { buildDeps, systemMeta } from "./deps";
import { runMaintenance } from "./flows/run-maintenance";

const app = createApp();

export default {
  fetch: app.fetch,
  /** Cron Trigger: retries due outbox emails and purges expired data. */
  async scheduled(controller, env, ctx) {
    const deps = await buildDeps(env, ctx, systemMeta(`cron-${controller.scheduledTime}`));
    await runMaintenance(deps);
  },
} satisfies ExportedHandler<Env>;
