import { type SQL, sql } from "drizzle-orm";
import { SUPPORTED_LOCALES } from "../domain/locale";
import type { Db } from "./client";
import { prebuilt } from "./raw";
import { isSuppressed } from "./suppressions";

// The self-service resets of a lookup group (src/flows/request-password-reset.ts), written inside
// the lookup's own batch: four statements whatever the group's size, each over one JSON array of
// items, each item writing only when the statements before it in the batch found its account
// enabled and took a unit of its email cap. So a known address costs the one round trip an unknown
// one does, and its reset, email row and audit event are still written before anything is sent.

/** One request's reset, ready to be written if its account turns out to exist (JSON keys are SQL's). */
export interface ResetBatchItem {
  /** The email-cap budget key its unit was taken under (budgets.key). */
  k: string;
  /** Tenant and normalized email of the account. */
  t: string;
  e: string;
  /** The client as the request saw it (written only while the client row still agrees). */
  c: string;
  lt: number;
  ct: number;
  dl: string;
  /** Redirect URI, checked again against the client row's allowlist. */
  ru: string | null;
  /** Reset id, token hash, code HMAC, expiries. */
  r: string;
  th: string;
  ch: string;
  cx: number;
  x: number;
  /** The locale asked for explicitly, and the one to use when neither that nor the user's fits. */
  lx: string | null;
  lf: string;
  d: string | null;
  /** Outbox row: id, sealed secrets, suppression key of the address. */
  m: string;
  p: string;
  h: string;
  /** Audit event: id, request id, network, country, user agent, data. */
  a: string;
  rq: string | null;
  ip: string | null;
  co: string | null;
  ua: string | null;
  ad: string;
}

const p = (name: string) => sql.placeholder(name);
const v = (key: keyof ResetBatchItem) => sql.raw(`j.value->>'${key}'`);

/**
 * SQL twin of matchLocale (src/domain/locale.ts) over a user's stored locale: the supported tag it
 * stands for ("pt-BR" -> "pt", "fr_CA" -> "fr"), or NULL. A test compares the two.
 */
const matchLocaleSql = (tag: SQL) => {
  const t = sql`lower(replace(trim(${tag}), '_', '-'))`;
  const base = sql`substr(${t} || '-', 1, instr(${t} || '-', '-') - 1)`;
  const list = sql.raw(SUPPORTED_LOCALES.map((l) => `'${l}'`).join(", "));
  return sql`CASE WHEN ${t} IN (${list}) THEN ${t} WHEN ${base} IN (${list}) THEN ${base} END`;
};

/** The items whose account is enabled, whose unit this batch took, and whose client still agrees (rows j, u). */
const FROM_ITEMS = sql`FROM json_each(${p("items")}) AS j
  JOIN users u ON u.tenant_id = ${v("t")} AND u.email = ${v("e")}
  WHERE u.disabled = 0
    AND EXISTS (SELECT 1 FROM budgets b WHERE b.key = ${v("k")} AND b.nonce = ${p("nonce")})
    AND EXISTS (SELECT 1 FROM clients c WHERE c.id = ${v("c")} AND c.tenant_id = u.tenant_id
      AND c.webhook_url IS NULL AND c.link_ttl_seconds = ${v("lt")} AND c.code_ttl_seconds = ${v("ct")}
      AND c.default_locale = ${v("dl")}
      AND (${v("ru")} IS NULL OR EXISTS (SELECT 1 FROM json_each(c.redirect_uris) WHERE value = ${v("ru")})))`;

/** The items whose reset the batch wrote (rows j, r). */
const WRITTEN = sql`FROM json_each(${p("items")}) AS j JOIN reset_requests r ON r.id = ${v("r")}`;

const supersede = prebuilt((db) =>
  db.run(sql`UPDATE reset_requests SET invalidated_at = ${p("now")}
    WHERE consumed_at IS NULL AND invalidated_at IS NULL AND user_id IN (SELECT u.id ${FROM_ITEMS})`),
);

const insertResets = prebuilt((db) =>
  db.all<{ id: string; locale: string }>(sql`INSERT INTO reset_requests (id, tenant_id, client_id, user_id, kind,
      token_hash, code_hmac, code_expires_at, expires_at, redirect_uri, locale, dialect, created_at)
    SELECT ${v("r")}, u.tenant_id, ${v("c")}, u.id, 'self', ${v("th")}, ${v("ch")}, ${v("cx")}, ${v("x")}, ${v("ru")},
      COALESCE(${v("lx")}, ${matchLocaleSql(sql`u.locale`)}, ${v("lf")}), ${v("d")}, ${p("now")}
    ${FROM_ITEMS}
    RETURNING id, locale`),
);

const suppressed = isSuppressed(v("h"), sql`r.tenant_id`);
const insertEmails = prebuilt((db) =>
  db.all<{ id: string; status: string }>(sql`INSERT INTO outbox (id, tenant_id, client_id, user_id, reset_request_id,
      channel, template, status, payload, attempts, next_attempt_at, lease_until, expires_at, to_hash, created_at)
    SELECT ${v("m")}, r.tenant_id, r.client_id, r.user_id, r.id, 'email', 'reset',
      CASE WHEN ${suppressed} THEN 'suppressed' ELSE 'sending' END,
      CASE WHEN ${suppressed} THEN NULL ELSE ${v("p")} END,
      1, ${p("now")}, ${p("lease")}, r.expires_at, ${v("h")}, ${p("now")}
    ${WRITTEN}
    RETURNING id, status`),
);

const insertAudits = prebuilt((db) =>
  db.run(sql`INSERT INTO audit_events (id, tenant_id, client_id, user_id, type, request_id, ip_prefix, country,
      user_agent, data, created_at)
    SELECT ${v("a")}, r.tenant_id, r.client_id, r.user_id, 'password_reset.requested', ${v("rq")}, ${v("ip")},
      ${v("co")}, ${v("ua")}, ${v("ad")}, ${p("now")}
    ${WRITTEN}`),
);

/**
 * The statements that follow a group's unit upsert (stamped with `nonce`) in its batch: older
 * open resets of each account die, the new resets are written (RETURNING id, locale), their email
 * rows claimed by the caller ("sending", lease until `leaseUntil`; "suppressed" without payload for
 * a suppressed address; RETURNING id, status) and their audit events.
 */
export function resetBatch(db: Db, items: ResetBatchItem[], now: number, nonce: string, leaseUntil: number) {
  const values = { items: JSON.stringify(items), now, nonce, lease: leaseUntil };
  return [supersede(db, values), insertResets(db, values), insertEmails(db, values), insertAudits(db, values)] as const;
}
