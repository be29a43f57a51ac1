import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { newId } from "../crypto/tokens";
import { auditRow } from "../db/audit";
import { findWebhookTarget } from "../db/clients";
import { guardedInsert } from "../db/guarded";
import { onlyWhen } from "../db/raw";
import { auditEvents, outbox, suppressions } from "../db/schema";
import { ALL_TENANTS, suppressionKey } from "../db/suppressions";
import type { Deps } from "../deps";
import { maskEmail, normalizeEmail } from "../domain/email";
import { AppError } from "../domain/errors";
import {
  bare,
  MAIL_EVENT_PROVIDERS,
  MAIL_EVENT_READERS,
  type MailEvent,
  type MailEventProvider,
  unverified,
} from "../mail/events";
import { composeWebhook } from "../outbox/compose-webhook";
import { insertOutbox } from "../outbox/store";

/** The outbox row an event is about. */
interface Sent {
  id: string;
  tenant_id: string;
  client_id: string;
  user_id: string | null;
  template: string;
  provider_message_id: string;
}

/**
 * POST /v1/mail-events/{provider}: verifies the request with the provider's own scheme (401
 * INVALID_SIGNATURE otherwise, also for a provider MAIL_EVENT_SECRETS does not configure), then
 * records each event in one D1 batch. Returns how many events were read.
 */
export async function receiveMailEvents(deps: Deps, provider: string, body: string, headers: Headers) {
  if (!(MAIL_EVENT_PROVIDERS as readonly string[]).includes(provider))
    throw new AppError("NOT_FOUND", `No mail-event provider "${provider}".`);
  const p = provider as MailEventProvider;
  const secret = deps.config.mailEvents[p];
  const read = MAIL_EVENT_READERS[p] as ((r: unknown, s: unknown) => Promise<MailEvent[]>) | undefined;
  if (!secret || !read) return unverified();
  const events = await read(
    { body, headers, now: deps.now(), fetch: (i: RequestInfo | URL, o?: RequestInit) => fetch(i, o) },
    secret,
  );
  await applyMailEvents(deps, p, events);
  return { received: events.length };
}

/**
 * Each event in one batch, idempotent per message and event (providers retry, sometimes in
 * parallel): its audit event goes first, inserted only while the message has not recorded a like
 * event yet (a delivery once; a bounce or complaint once, also after a delivery), and everything
 * else of the event is guarded on that audit row. So of duplicates exactly one records the event,
 * suppresses the address and queues the webhook. An event naming no message of ours (or a purged
 * one) suppresses the address for every tenant, audited only while it was not suppressed so yet.
 */
async function applyMailEvents(deps: Deps, provider: MailEventProvider, events: MailEvent[]): Promise<void> {
  const { db } = deps;
  const now = deps.now();
  const ids = [...new Set(events.flatMap((e) => (e.messageId ? [e.messageId, `<${e.messageId}>`] : [])))];
  const sent = ids.length
    ? await db.all<Sent>(
        sql`SELECT id, tenant_id, client_id, user_id, template, provider_message_id FROM outbox
            WHERE provider = ${provider} AND provider_message_id IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`,
      )
    : [];
  const byId = new Map(sent.map((r) => [bare(r.provider_message_id), r]));
  // A batch names few addresses and clients, many times over: each is hashed and read once.
  const keys = new Map<string, Promise<string>>();
  const hooks = new Map<string, Promise<string | null>>();
  const once = <T>(m: Map<string, Promise<T>>, k: string, f: () => Promise<T>) => {
    if (!m.has(k)) m.set(k, f());
    return m.get(k)!;
  };
  const statements: BatchItem<"sqlite">[] = [];
  for (const e of events) {
    const row = e.messageId ? byId.get(e.messageId) : undefined;
    const bad = e.type !== "delivered";
    // A delivery of a message we no longer know changes nothing.
    if (!row && !bad) continue;
    const email = normalizeEmail(e.email);
    const masked = maskEmail(email);
    const tenantId = row?.tenant_id ?? ALL_TENANTS;
    const hash = await once(keys, email, () => suppressionKey(deps.config.keys.lookup, email));
    const audit = auditRow(deps.meta, now, {
      type: `email.${e.type}`,
      tenantId,
      clientId: row?.client_id,
      userId: row?.user_id,
      data: { provider, messageId: row?.id ?? null, email: masked },
    });
    const first = row
      ? sql`EXISTS (SELECT 1 FROM outbox WHERE id = ${row.id} AND (provider_event IS NULL OR ${onlyWhen(bad)} AND provider_event = 'delivered'))`
      : sql`NOT EXISTS (SELECT 1 FROM suppressions WHERE address_hash = ${hash} AND tenant_id = '*')`;
    const guard: SQL = sql`EXISTS (SELECT 1 FROM audit_events WHERE id = ${audit.id})`;
    statements.push(guardedInsert(db, auditEvents, audit, first));
    if (row)
      statements.push(
        db
          .update(outbox)
          .set({ providerEvent: e.type, providerEventAt: now })
          .where(sql`${outbox.id} = ${row.id} AND ${guard}`),
      );
    if (!bad) continue;
    const reason = e.type === "bounced" ? "bounce" : "complaint";
    const suppression = {
      id: newId("sup_"),
      tenantId,
      addressHash: hash,
      maskedAddress: masked,
      reason,
      provider,
      messageId: row?.id ?? null,
      createdAt: now,
    };
    statements.push(guardedInsert(db, suppressions, suppression, guard, { orIgnore: true }));
    if (!row) continue;
    const client = {
      id: row.client_id,
      tenantId,
      webhookUrl: await once(
        hooks,
        row.client_id,
        async () => (await findWebhookTarget(db, row.client_id))?.url ?? null,
      ),
    };
    const data = { messageId: row.id, template: row.template, userId: row.user_id, email, provider };
    const hook = await composeWebhook(deps, client, `email.${e.type as "bounced"}`, data, row.user_id);
    if (hook) statements.push(insertOutbox(db, hook, guard));
  }
  if (statements.length) await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}
