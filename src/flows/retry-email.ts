import { auditRow, insertAudit } from "../db/audit";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { deliver } from "../outbox/deliver";
import { findOutbox, pullForward } from "../outbox/store";
import { enforceAdminWrite } from "./target-tenant";

/**
 * Operator retry: a queued (backing-off) row is made due now and attempted right after the
 * response, with its usual claim, so it still sends at most once. Rows in a final state (sent,
 * failed, dead, dropped) have no payload any more, by design: payloads hold live reset tokens and
 * are wiped at once, so the fix for those is a new reset request, not a resend. A row being sent
 * right now is left to its sender.
 */
export async function retryEmail(deps: Deps, scope: AdminScope, id: string): Promise<{ id: string; status: "queued" }> {
  await enforceAdminWrite(deps, scope);
  const row = await findOutbox(deps.db, id, scope.tenantId);
  if (!row) throw new AppError("EMAIL_NOT_FOUND", `No email with id ${id}.`);
  const now = deps.now();
  if (!(await pullForward(deps.db, id, now))) {
    const why =
      row.status === "sending"
        ? "It is being sent right now."
        : "Its payload was wiped when it reached a final state; request a new reset instead.";
    throw new AppError("EMAIL_NOT_RETRYABLE", `The email is ${row.status}. ${why}`);
  }
  await insertAudit(
    deps.db,
    auditRow(deps.meta, now, {
      type: "email.retry_requested",
      tenantId: row.tenantId,
      clientId: row.clientId,
      userId: row.userId,
      data: { messageId: row.id, template: row.template, attempts: row.attempts },
    }),
  ).run();
  deps.defer(deliver(deps, id));
  return { id, status: "queued" };
}
