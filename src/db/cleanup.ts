import { and, eq, isNotNull, or } from "drizzle-orm";
import type { Db } from "./client";
import { emailOutbox } from "./schema";

/**
 * Drops a user's queued messages (batch item): used when the user is deleted, so no email or
 * webhook about them goes out afterwards. The payload is wiped like any finished row's.
 */
export const dropQueuedForUser = (db: Db, userId: string) =>
  db
    .update(emailOutbox)
    .set({ status: "dropped", payload: null, lastError: "user deleted" })
    .where(and(eq(emailOutbox.userId, userId), eq(emailOutbox.status, "queued")));

/** Drops a client's queued reset emails and webhooks (batch item); "password changed" notices still go. */
export const dropQueuedForClient = (db: Db, clientId: string) =>
  db
    .update(emailOutbox)
    .set({ status: "dropped", payload: null, lastError: "client deleted" })
    .where(and(eq(emailOutbox.clientId, clientId), eq(emailOutbox.status, "queued"), or(isNotNull(emailOutbox.resetRequestId), eq(emailOutbox.channel, "webhook"))));
