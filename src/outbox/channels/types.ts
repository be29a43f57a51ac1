import type { BatchItem } from "drizzle-orm/batch";
import type { Deps } from "../../deps";
import type { SendResult } from "../../mail/mailer";
import type { OutboxRow } from "../store";

/**
 * What one attempt came to: the provider's verdict (with, for a retry, what the row's payload
 * becomes: `payload`), or a reason to drop the row unsent.
 */
export type Outcome = (SendResult & { payload?: string }) | { status: "dropped"; reason: string };

/** One way out of the outbox (email, webhook): everything the delivery state machine does not share. */
export interface Channel {
  /** Prefix of the channel's audit events ("email.sent", "webhook.dead", ...). */
  readonly name: "email" | "webhook";
  /** Fields that name the row in its audit events and log lines. */
  label(row: OutboxRow): Record<string, unknown>;
  /** The provider this attempt goes through (stored on the row), when the channel has several. */
  provider?(deps: Deps, row: OutboxRow): string;
  /** Sends the claimed row once; may throw (counted as a retryable failure). */
  send(deps: Deps, row: OutboxRow, provider: string | undefined): Promise<Outcome>;
  /** After a retryable failure: the provider to switch to for the remaining attempts, or null. */
  switchProvider?(deps: Deps, row: OutboxRow, provider: string | undefined): string | null;
  /** Statements that go with giving up on a row (failed or dead). */
  onGiveUp?(deps: Deps, row: OutboxRow, error: string): Promise<BatchItem<"sqlite">[]>;
}
