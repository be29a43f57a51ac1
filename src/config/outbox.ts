/** Emails one cron run attempts unless OUTBOX_BATCH says otherwise (arithmetic: src/outbox/deliver.ts). */
export const OUTBOX_BATCH = 25;
/** Webhook deliveries per run unless OUTBOX_WEBHOOK_BATCH says otherwise: their own budget, so a receiver that is down never delays emails. */
export const OUTBOX_WEBHOOK_BATCH = 10;
/**
 * Waits (ms) before the quick retries of a row's first attempt unless OUTBOX_QUICK_RETRIES says
 * otherwise ("off": none): after a brief provider fault the email still arrives within seconds.
 */
export const OUTBOX_QUICK_RETRIES = "1000,3000";
/**
 * Admin resets a forced-reset job starts per cron run, shared between tenants, unless
 * FORCE_RESET_BATCH says otherwise (arithmetic: src/flows/force-reset.ts; 0 pauses every job).
 */
export const FORCE_RESET_BATCH = 25;
