import { Hono } from "hono";
import * as z from "zod/mini";
import type { AppEnv } from "../../http/context";
import { validate } from "../../http/middleware";
import { listOutbox, OUTBOX_STATUSES, type OutboxRow } from "../../db/outbox";
import { b64url, fromB64 } from "../../crypto/encoding";
import { AppError } from "../../domain/errors";
import { retryEmail } from "../../flows/retry-email";
import { adminAuth } from "./admin-auth";

export const ListEmailsQuery = z.object({
  status: z.optional(z.enum(OUTBOX_STATUSES)),
  limit: z.optional(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100))),
  cursor: z.optional(z.string().check(z.maxLength(200))),
});

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/**
 * The operator view of an outbox row. No body and no recipient: the payload is encrypted (and
 * wiped once final); `userId` leads to the user. lastError never holds addresses (redacted).
 */
export const publicEmail = (r: OutboxRow) => ({
  id: r.id,
  tenantId: r.tenantId,
  clientId: r.clientId,
  userId: r.userId,
  template: r.template,
  status: r.status,
  attempts: r.attempts,
  provider: r.provider,
  providerMessageId: r.providerMessageId,
  lastError: r.lastError,
  createdAt: iso(r.createdAt),
  nextAttemptAt: r.status === "queued" ? iso(r.nextAttemptAt) : null,
  sentAt: iso(r.sentAt),
  expiresAt: iso(r.expiresAt),
});

// The cursor is opaque to clients: base64url("createdAt:id") of the last row returned.
const encodeCursor = (r: OutboxRow) => b64url(new TextEncoder().encode(`${r.createdAt}:${r.id}`));
function decodeCursor(raw: string): { createdAt: number; id: string } {
  const bytes = fromB64(raw);
  const m = bytes && /^(\d{1,16}):([\w-]{1,64})$/.exec(new TextDecoder().decode(bytes));
  if (!m) throw new AppError("VALIDATION_FAILED", "cursor is not one this API returned.", [{ path: "cursor", code: "INVALID_CURSOR", message: "Is invalid." }]);
  return { createdAt: Number(m[1]), id: m[2]! };
}

/** Admin: GET /v1/emails (tenant-scoped, newest first, cursor-paginated), POST /v1/emails/{id}/retry. */
export const emailRoutes = new Hono<AppEnv>()
  .use(adminAuth)
  .get("/", validate("query", ListEmailsQuery), async (c) => {
    const q = c.req.valid("query");
    const limit = q.limit ?? 50;
    const rows = await listOutbox(c.get("deps").db, {
      tenantId: c.get("admin").tenantId,
      status: q.status,
      after: q.cursor ? decodeCursor(q.cursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return c.json({ emails: page.map(publicEmail), nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!) : null }, 200);
  })
  .post("/:id/retry", async (c) => c.json(await retryEmail(c.get("deps"), c.get("admin"), c.req.param("id")), 202));
