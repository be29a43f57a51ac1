import { seal } from "../crypto/envelope";
import { newCode, newId, newLinkToken, sha256Hex } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { takeUnitsForEnabledUsers } from "../db/budgets";
import { databaseErrorMessage } from "../db/client";
import { type ClientRow, clientsByIds, toClient } from "../db/clients";
import { type ResetBatchItem, resetBatch } from "../db/reset-batch";
import { suppressionKey } from "../db/suppressions";
import { type User, usersByEmails } from "../db/users";
import { afterResponse, type Deps } from "../deps";
import { type Client, isAllowedRedirect } from "../domain/client";
import { normalizeEmail } from "../domain/email";
import { localeAroundUser } from "../domain/locale";
import { logEvent } from "../log";
import { keepComposed } from "../outbox/compose-email";
import { deliver } from "../outbox/deliver";
import { type ResetSecrets, renderResetEmail } from "../outbox/reset-email";
import { claimedAtInsert, insertedRow, LEASE_MS } from "../outbox/store";
import { assertRedirectAllowed, forgetClient, rememberClient, resolveClientCached } from "./resolve-client";
import { codeHmac, startReset } from "./start-reset";
import { tallyCappedRequest, tallyUnknownRequest } from "./tally-requests";
import { claimCooldown, emailKey, enforceCooldown, enforceLimits, ipKey, resetCooldownKey } from "./throttle";

export interface RequestResetInput {
  email: string;
  clientId?: string | null;
  /** A Nexudus location (seed 003): names the client instead of clientId. */
  businessId?: number | null;
  locale?: string | null;
  redirectUri?: string | null;
}

/**
 * Public "forgot password". Everything the caller can observe (validation, client, redirect
 * allowlist, rate limits keyed by a hash of the email) is independent of whether the account
 * exists; the lookup, token creation and email happen after the response, in `defer`, and so does
 * the daily cap of reset emails per address (resetEmailsPerAddress): a capped request answers
 * like any other and sends nothing.
 *
 * Nothing on the response path but what the answer needs: the client comes from the isolate's cache
 * (resolveClientCached; the background work re-reads it), the limiter counts in memory (its KV
 * writes start after the response), so a request whose client and keys this isolate has seen
 * answers with no D1 query and no KV write (KV is read once per new key). After the response: one
 * D1 round trip for an unknown address (no write: src/flows/tally-requests.ts), shared with the
 * requests whose background work starts in the same moment (lookUpQueued); for a known one that
 * same round trip, which also writes its reset (src/db/reset-batch.ts), and the delivery's
 * outcome, plus the provider call.
 */
export async function requestPasswordReset(
  deps: Deps,
  input: RequestResetInput,
  opts: { cooldownSeconds?: number; dialect?: string } = {},
): Promise<void> {
  let client: Client;
  try {
    client = await resolveClientCached(deps, input.clientId, input.businessId);
  } catch (e) {
    // D1 is failing: the caller gets the same 202 as always (a 500 here would be the one answer that
    // differs), nothing is sent, and the log says so without the address. The user asks again later.
    return droppedOnDatabaseFailure(deps, e);
  }
  assertRedirectAllowed(client, input.redirectUri);
  const email = normalizeEmail(input.email);
  // A dialect's per-address cooldown (seed 002): checked and started whether or not the account exists.
  const hashedEmail = await emailKey(deps, client.tenantId, email);
  if (opts.cooldownSeconds) await enforceCooldown(deps, resetCooldownKey(hashedEmail));
  await enforceLimits(deps, [
    ["resetPerIp", ipKey(deps)],
    ["resetPerEmail", hashedEmail],
  ]);
  // Of concurrent requests for one address, one starts the cooldown; the others are refused by it.
  if (opts.cooldownSeconds) await claimCooldown(deps, resetCooldownKey(hashedEmail), opts.cooldownSeconds);
  // Started a moment later, not at once: the lookup answers within a millisecond on a near
  // database, and the known account's work (composing, encrypting the email) would then hold the
  // isolate while the runtime writes this response, delaying it by ~10 ms for known accounts only
  // (measured by `npm run conformance`, check enumeration-timing).
  // A request that starts a group (of LOOKUP_GROUP) sets the timer that looks the group up; the
  // others join it. Its timer fires before theirs would have: a joiner's lookup starts sooner, never later.
  const queued = queueOf(deps);
  const startsGroup = queued.length % LOOKUP_GROUP === 0;
  queued.push({ deps, client, email, hashedEmail, input, dialect: opts.dialect, requests: 1 });
  if (startsGroup) afterResponse(deps, () => lookUpQueued(deps), RESPONSE_WRITE_MS);
}

/** A request whose lookup has not started yet. */
interface Queued {
  deps: Deps;
  client: Client;
  email: string;
  hashedEmail: string;
  input: RequestResetInput;
  dialect: string | undefined;
  /** Requests of its group it stands for (coalesce). */
  requests: number;
}

/**
 * The isolate's requests waiting for their lookup, oldest first. Module state on purpose: requests
 * whose background work starts within the same few milliseconds share one lookup round trip.
 */
const queues = new WeakMap<Deps["config"], WeakMap<object, Queued[]>>();

/**
 * The queue of requests that may share a lookup: those of one configuration and one database (in
 * production every request of an isolate; tests give requests their own of either).
 */
function queueOf(deps: Deps): Queued[] {
  let byDb = queues.get(deps.config);
  if (!byDb) {
    byDb = new WeakMap();
    queues.set(deps.config, byDb);
  }
  let q = byDb.get(deps.db.$client);
  if (!q) {
    q = [];
    byDb.set(deps.db.$client, q);
  }
  return q;
}

/**
 * At most this many requests share a lookup: the request that runs them makes their D1 calls and
 * provider calls in its own invocation. Worst case, every one a known address whose client has a
 * webhook and both its rows failing twice: 8 x 2 rows x 3 attempts = 48 fetches (the Free plan
 * allows 50 subrequests per invocation) and, when the group's batch fails and each request is
 * tried alone, 1 + 8 x (1 + 1 + 2 x 3) = 65 D1 calls (of 1,000).
 */
export const LOOKUP_GROUP = 8;

/**
 * Runs when a group's timer fires: takes the LOOKUP_GROUP oldest queued requests and looks them all
 * up in one round trip, then finishes each in this request's invocation (ctx.waitUntil). There is
 * always a timer pending for every LOOKUP_GROUP queued requests (one is set whenever the queue
 * reaches a multiple of it, and each firing takes a group), so every request is taken by some
 * timer no later than its own would have fired. Nothing here awaits work another request started,
 * and the joiners' handlers have returned their responses before any timer runs (JavaScript runs
 * one task at a time, and the lookup's round trip comes before any work that takes CPU).
 */
async function lookUpQueued(runner: Deps): Promise<void> {
  const group = queueOf(runner).splice(0, LOOKUP_GROUP);
  if (group.length === 0) return;
  // Each keeps its own request's identity (audit rows, logs) and continues in this invocation.
  await runGroup(
    runner,
    coalesce(group.map((q) => (q.deps === runner ? q : { ...q, deps: { ...q.deps, defer: runner.defer } }))),
  );
}

/**
 * Requests of one group for the same account are one request: the first one's reset, one email,
 * one unit of the daily cap, its audit event counting them all (`requests`). They came within the
 * same few milliseconds (a double submit, or a script): a second email would arrive with the
 * first one's link already dead.
 */
function coalesce(items: Queued[]): Queued[] {
  const byAccount = new Map<string, Queued>();
  for (const q of items) {
    const key = accountKey(q.client.tenantId, q.email);
    const first = byAccount.get(key);
    if (first) first.requests++;
    else byAccount.set(key, { ...q, requests: 1 });
  }
  return [...byAccount.values()];
}

/**
 * Looks a group up and finishes each of its requests. The lookup batch is one transaction: when
 * it fails, nothing of it was written, and each request is tried alone, so one request that
 * cannot be written costs the others nothing.
 */
async function runGroup(runner: Deps, items: Queued[]): Promise<void> {
  let found: Looked[];
  try {
    found = await lookUp(runner, items);
  } catch (e) {
    if (items.length === 1) return droppedOnDatabaseFailure(items[0]!.deps, e);
    await Promise.all(items.map((q) => runGroup(runner, [q])));
    return;
  }
  await Promise.all(
    items.map((q, i) => finish(q, found[i]!).catch((e: unknown) => droppedOnDatabaseFailure(q.deps, e))),
  );
}

/** What the lookup found for one request: whether a unit of the email cap was taken, the user, the client now, the reset it wrote. */
interface Looked {
  taken: boolean;
  user: User | undefined;
  client: Client | null;
  written: { prepared: Prepared; locale: string; sending: boolean } | null;
}

/** A reset prepared before the lookup knows whether its account exists: written by the lookup's batch if it does. */
interface Prepared {
  item: ResetBatchItem;
  secrets: ResetSecrets;
  now: number;
}

const accountKey = (tenantId: string, email: string) => `${tenantId}\n${email}`;
const capKey = (q: Queued) => `mail:${q.hashedEmail}`;

/**
 * One round trip for the group whatever its size: a unit of each address's daily email cap (only
 * for an account that gets mail), the users, each client as it is now (the answers came from the
 * isolate's cache), and the resets of the accounts that exist, get mail and took a unit, with
 * their email rows and audit events (src/db/reset-batch.ts; a client with a webhook URL takes the
 * longer way of startReset, whose batch also carries the webhook row).
 */
async function lookUp(runner: Deps, items: Queued[]): Promise<Looked[]> {
  const { db } = runner;
  const now = runner.now();
  const rule = runner.config.rateLimits.resetEmailsPerAddress;
  const nonce = newId();
  const prepared = new Map<Queued, Prepared>();
  await Promise.all(items.filter((q) => !q.client.webhookUrl).map(async (q) => prepared.set(q, await prepare(q, now))));
  const resets = prepared.size
    ? resetBatch(
        db,
        [...prepared.values()].map((x) => x.item),
        now,
        nonce,
        now + LEASE_MS,
      )
    : [];
  const [units, found, fresh, , written = [], emails = []] = (await db.batch([
    takeUnitsForEnabledUsers(
      db,
      items.map((q) => ({ key: capKey(q), tenantId: q.client.tenantId, email: q.email })),
      { limit: rule.limit, windowMs: rule.windowSeconds * 1000 },
      now,
      nonce,
    ),
    usersByEmails(
      db,
      items.map((q) => ({ tenantId: q.client.tenantId, email: q.email })),
    ),
    clientsByIds(db, [...new Set(items.map((q) => q.client.id))]),
    ...resets,
  ])) as unknown as [
    { key: string }[],
    User[],
    ClientRow[],
    unknown?,
    { id: string; locale: string }[]?,
    { id: string; status: string }[]?,
  ];
  const taken = new Set(units.map((u) => u.key));
  const users = new Map(found.map((u) => [accountKey(u.tenantId, u.email), u]));
  const clients = new Map(fresh.map((c) => [c.id, toClient(c)]));
  const locales = new Map(written.map((r) => [r.id, r.locale]));
  const sending = new Set(emails.filter((e) => e.status === "sending").map((e) => e.id));
  return items.map((q) => {
    const p = prepared.get(q);
    const locale = p && locales.get(p.item.r);
    return {
      taken: taken.has(capKey(q)),
      user: users.get(accountKey(q.client.tenantId, q.email)),
      client: clients.get(q.client.id) ?? null,
      written: p && locale ? { prepared: p, locale, sending: sending.has(p.item.m) } : null,
    };
  });
}

/** Everything a request's reset needs that does not depend on its account: ids, secrets, expiries, audit. */
async function prepare(q: Queued, now: number): Promise<Prepared> {
  const { deps, client, input } = q;
  const r = newId("rst_");
  const m = newId("msg_");
  const secrets = { token: newLinkToken(), code: newCode() };
  const expiresAt = now + client.linkTtlSeconds * 1000;
  const locale = localeAroundUser({
    explicit: input.locale,
    acceptLanguage: deps.meta.acceptLanguage,
    clientDefault: client.defaultLocale,
  });
  const audit = auditRow(deps.meta, now, {
    type: "password_reset.requested",
    tenantId: client.tenantId,
    data: { known: true, resetId: r, ...(q.requests > 1 ? { requests: q.requests } : {}) },
  });
  const [th, ch, p, h] = await Promise.all([
    sha256Hex(secrets.token),
    codeHmac(deps, r, secrets.code),
    // Only the secrets: the email is composed once the batch returned the user (and again by a retry).
    seal(deps.config.keys.outbox, { resetSecrets: secrets }, m),
    suppressionKey(deps.config.keys.lookup, q.email),
  ]);
  return {
    secrets,
    now,
    item: {
      k: capKey(q),
      t: client.tenantId,
      e: q.email,
      c: client.id,
      lt: client.linkTtlSeconds,
      ct: client.codeTtlSeconds,
      dl: client.defaultLocale,
      ru: input.redirectUri ?? null,
      r,
      th,
      ch,
      cx: Math.min(expiresAt, now + client.codeTtlSeconds * 1000),
      x: expiresAt,
      lx: locale.explicit,
      lf: locale.otherwise,
      d: q.dialect ?? null,
      m,
      p,
      h,
      a: audit.id,
      rq: audit.requestId ?? null,
      ip: audit.ipPrefix ?? null,
      co: audit.country ?? null,
      ua: audit.userAgent ?? null,
      ad: audit.data ?? "{}",
    },
  };
}

/** The first attempt of a reset the lookup's batch wrote (its row is claimed): composed now, sent after the response. */
async function sendWritten(deps: Deps, client: Client, user: User, w: NonNullable<Looked["written"]>): Promise<void> {
  const { item, secrets, now } = w.prepared;
  const reset = { locale: w.locale, expiresAt: item.x, createdAt: now };
  keepComposed(item.m, await renderResetEmail(deps, client, user, reset, secrets), true);
  // The row as the batch inserted it (src/db/reset-batch.ts: claimed by this request).
  const row = insertedRow(
    claimedAtInsert(
      {
        id: item.m,
        tenantId: user.tenantId,
        clientId: client.id,
        userId: user.id,
        resetRequestId: item.r,
        template: "reset",
        status: "queued",
        payload: item.p,
        nextAttemptAt: now,
        expiresAt: item.x,
        toHash: item.h,
        createdAt: now,
      },
      now,
    ),
  );
  afterResponse(deps, () => deliver(deps, item.m, row));
}

/** Logs a request D1 could not serve, without its address (rethrows anything else). */
function droppedOnDatabaseFailure(deps: Deps, e: unknown): void {
  const error = databaseErrorMessage(e);
  if (error === null) throw e;
  logEvent({ level: "error", msg: "reset request dropped: database failure", requestId: deps.meta.requestId, error });
}

/** How long the isolate stays idle so the runtime can write the pending response first. */
const RESPONSE_WRITE_MS = 20;

/** What happens after the lookup: nothing for a changed client, a tally, an audit row, or the reset. */
async function finish(q: Queued, { taken, user, client, written }: Looked): Promise<void> {
  const { deps, client: cached, input } = q;
  const rule = deps.config.rateLimits.resetEmailsPerAddress;
  if (!client || (input.redirectUri && !isAllowedRedirect(client, input.redirectUri))) {
    // Deleted or changed by another isolate since this one cached it: nothing is sent.
    forgetClient(cached.id);
    logEvent({ level: "warn", msg: "reset request dropped: client changed", requestId: deps.meta.requestId });
    return;
  }
  rememberClient(client);
  if (written) {
    // Written by the lookup's batch; nothing to send when the address is suppressed.
    if (written.sending && user) await sendWritten(deps, client, user, written);
    return;
  }
  if (user && !user.disabled && !taken) {
    // Counted for operators (one event per account per minute): no write per hammering request.
    await tallyCappedRequest(deps, client, user.id, rule);
    return;
  }
  if (!user) {
    // Counted for operators (one event per client per minute), never revealed; no address stored.
    await tallyUnknownRequest(deps, client);
    return;
  }
  if (user.disabled) {
    // Recorded for operators, never revealed to the caller.
    await insertAudit(
      deps.db,
      auditRow(deps.meta, deps.now(), {
        type: "password_reset.requested",
        tenantId: client.tenantId,
        clientId: client.id,
        userId: user.id,
        data: { known: false, reason: "disabled" },
      }),
    ).run();
    return;
  }
  await startReset(deps, {
    client,
    user,
    kind: "self",
    locale: input.locale,
    redirectUri: input.redirectUri,
    dialect: q.dialect,
  });
}
