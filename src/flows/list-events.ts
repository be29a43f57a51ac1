import type { Deps } from "../deps";
import { listEvents, type EventQuery, type EventRow } from "../db/events";
import { findUserById } from "../db/users";
import { AppError } from "../domain/errors";
import { b64url, fromB64, utf8 } from "../crypto/encoding";
import type { AdminScope } from "../http/context";

/** An audit event as the API shows it. */
export const publicEvent = (e: EventRow) => ({
  id: e.id,
  type: e.type,
  time: new Date(e.createdAt).toISOString(),
  tenantId: e.tenantId,
  clientId: e.clientId,
  userId: e.userId,
  requestId: e.requestId,
  ipPrefix: e.ipPrefix,
  country: e.country,
  userAgent: e.userAgent,
  data: JSON.parse(e.data) as Record<string, unknown>,
});

const encodeCursor = (e: EventRow) => b64url(utf8(JSON.stringify([e.createdAt, e.id])));
function decodeCursor(cursor: string): EventQuery["after"] {
  try {
    const [createdAt, id] = JSON.parse(new TextDecoder().decode(fromB64(cursor) ?? new Uint8Array())) as [unknown, unknown];
    if (typeof createdAt === "number" && typeof id === "string") return { createdAt, id };
  } catch {
    /* falls through */
  }
  throw new AppError("VALIDATION_FAILED", "cursor is not a cursor this API returned.", [{ path: "cursor", code: "INVALID_CURSOR", message: "Use nextCursor as returned." }]);
}

export interface EventFilter {
  type?: string;
  since?: string;
  cursor?: string;
  limit?: number;
  userId?: string;
}

/** A page of the caller's tenant's audit events (root: every tenant's), newest first. */
export async function eventsPage(deps: Deps, scope: AdminScope, f: EventFilter) {
  const limit = f.limit ?? 50;
  const since = f.since ? Date.parse(f.since) : undefined;
  const rows = await listEvents(deps.db, {
    tenantId: scope.tenantId,
    userId: f.userId,
    type: f.type,
    since,
    after: f.cursor ? decodeCursor(f.cursor) : undefined,
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  return { events: page.map(publicEvent), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null };
}

/** A user's audit trail; still readable after the user was deleted, 404 when nothing is known. */
export async function userEventsPage(deps: Deps, scope: AdminScope, userId: string, f: EventFilter) {
  const page = await eventsPage(deps, scope, { ...f, userId });
  if (page.events.length === 0 && !f.cursor && !(await findUserById(deps.db, userId, scope.tenantId ?? undefined))) {
    throw new AppError("USER_NOT_FOUND", `No user with id ${userId}.`);
  }
  return page;
}
