import { hmacHex, newCode, newId, newLinkToken, sha256Hex } from "../crypto/tokens";
import { auditRow, insertAudit } from "../db/audit";
import { insertReset, invalidateOpenResets } from "../db/resets";
import type { User } from "../db/users";
import type { Deps } from "../deps";
import type { Client } from "../domain/client";
import { negotiateLocale } from "../domain/locale";
import { composeEmail } from "../outbox/compose-email";
import { composeWebhook } from "../outbox/compose-webhook";
import { enqueue } from "../outbox/enqueue";
import { resetEmailVars } from "../outbox/reset-email";
import { mintNotMe } from "./lock-account";

/** HMAC of a code, bound to its request so a code is worthless for any other request. */
export const codeHmac = (deps: Deps, resetId: string, code: string) =>
  hmacHex(deps.config.keys.code, `${resetId}\n${code}`);

/**
 * Creates a reset request for a known user and queues its email, atomically (one batch): older
 * outstanding requests die, the new one is stored (token as SHA-256, code as HMAC), the encrypted
 * email and the audit event are written. Delivery is then attempted after the response.
 */
export async function startReset(
  deps: Deps,
  opts: {
    client: Client;
    user: User;
    kind: "self" | "admin";
    locale?: string | null;
    redirectUri?: string | null;
    /** The seed dialect it is started through; its password rules then follow the reset. */
    dialect?: string | null;
  },
): Promise<{ resetId: string }> {
  const { db } = deps;
  const { client, user, kind } = opts;
  const now = deps.now();
  const id = newId("rst_");
  const token = newLinkToken();
  const code = kind === "self" ? newCode() : null;
  const ttl = kind === "admin" ? client.adminLinkTtlSeconds : client.linkTtlSeconds;
  const expiresAt = now + ttl * 1000;
  const codeExpiresAt = code ? Math.min(expiresAt, now + client.codeTtlSeconds * 1000) : null;
  const locale = negotiateLocale({
    explicit: opts.locale,
    user: user.locale,
    acceptLanguage: deps.meta.acceptLanguage,
    clientDefault: client.defaultLocale,
  });
  // Its recipient did not ask for it: "I did not expect this" locks the account (src/flows/lock-account.ts).
  const notMe = kind === "admin" ? await mintNotMe(deps, user, client.id) : null;
  const email = await composeEmail(deps, {
    template: kind === "admin" ? "admin_reset" : "reset",
    client,
    to: user.email,
    locale,
    userId: user.id,
    resetRequestId: id,
    expiresAt,
    vars: resetEmailVars(deps, client, {
      name: user.name,
      secrets: { token, code },
      ttlSeconds: ttl,
      notMeLink: notMe?.link,
    }),
  });
  const hook = await composeWebhook(
    deps,
    client,
    "password_reset.requested",
    {
      resetId: id,
      userId: user.id,
      email: user.email,
      kind,
      expiresAt: new Date(expiresAt).toISOString(),
    },
    user.id,
  );
  const queued = enqueue(deps, [email, hook]);
  const results = await db.batch([
    invalidateOpenResets(db, user.id, now),
    insertReset(db, {
      id,
      tenantId: user.tenantId,
      clientId: client.id,
      userId: user.id,
      kind,
      tokenHash: await sha256Hex(token),
      codeHmac: code ? await codeHmac(deps, id, code) : null,
      codeExpiresAt,
      expiresAt,
      redirectUri: opts.redirectUri ?? null,
      locale,
      dialect: opts.dialect ?? null,
      createdAt: now,
    }),
    ...queued.statements,
    ...(notMe ? [notMe.statement] : []),
    insertAudit(
      db,
      auditRow(deps.meta, now, {
        type: kind === "admin" ? "password_reset.admin_initiated" : "password_reset.requested",
        tenantId: user.tenantId,
        clientId: client.id,
        userId: user.id,
        data: { known: true, resetId: id },
      }),
    ),
  ]);
  queued.send(results);
  return { resetId: id };
}
