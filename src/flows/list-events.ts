import { type EventRow, listEvents } from "../db/events";
import { findUserById } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { AppError } from "../domain/errors";
import { decodeCursor, toPage } from "../domain/pagination";

export interface EventFilter {
  type?: string;
  since?: string;
  cursor?: string;
  limit?: number;
  userId?: string;
}

/** A page of the caller's tenant's audit events (root: every tenant's), newest first. */
export async function eventsPage(
  deps: Deps,
  scope: AdminScope,
  f: EventFilter,
): Promise<{ events: EventRow[]; nextCursor: string | null }> {
  const limit = f.limit ?? 50;
  const rows = await listEvents(deps.db, {
    tenantId: scope.tenantId,
    userId: f.userId,
    type: f.type,
    since: f.since ? Date.parse(f.since) : undefined,
    after: f.cursor ? decodeCursor(f.cursor) : undefined,
    limit: limit + 1,
  });
  const { items, nextCursor } = toPage(rows, limit);
  return { events: items, nextCursor };
}

/** A user's audit trail; still readable after the user was deleted, 404 when nothing is known. */
export async function userEventsPage(deps: Deps, scope: AdminScope, userId: string, f: EventFilter) {
  const page = await eventsPage(deps, scope, { ...f, userId });
  if (page.events.length === 0 && !f.cursor && !(await findUserById(deps.db, userId, scope.tenantId ?? undefined))) {
    throw new AppError("USER_NOT_FOUND", `No user with id ${userId}.`);
  }
  return page;
}
