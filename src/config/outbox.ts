/** Emails one cron run attempts unless OUTBOX_BATCH says otherwise (arithmetic: src/outbox/deliver.ts). */
export const OUTBOX_BATCH = 25;
/** Webhook deliveries per run unless OUTBOX_WEBHOOK_BATCH says otherwise: their own budget, so a receiver that is down never delays emails. */
export const OUTBOX_WEBHOOK_BATCH = 10;
