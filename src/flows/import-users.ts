import { importHash, type Pbkdf2Export } from "../crypto/import-hash";
import { dearer, type LegacyWork } from "../crypto/legacy-hash";
import { auditRow, insertAudit, insertAuditForExistingUsers } from "../db/audit";
import { countImportsSince, countUsers, IMPORT_EVENT } from "../db/quotas";
import { raiseLegacyFloor } from "../db/tenants";
import { insertUsersJson, newUser, type User } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { normalizeEmail } from "../domain/email";
import { AppError, type FieldError, quotaExceeded } from "../domain/errors";
import { enforceAdminWrite, targetTenant } from "./target-tenant";

/** Users per import call. */
export const MAX_IMPORT = 1000;
/** Rows per INSERT statement: keeps each bound JSON parameter far below D1's value-size limit. */
const CHUNK = 250;
const DAY = 86_400_000;

export interface ImportUser {
  email: string;
  name?: string;
  locale?: string;
  disabled?: boolean;
  mfa?: boolean;
  mustResetPassword?: boolean;
  passwordHash?: string | Pbkdf2Export;
}

export interface ImportResult {
  imported: { index: number; id: string; email: string }[];
  /** Addresses already present in the tenant (or repeated in the request): skipped, so a retried import is harmless. */
  skipped: { index: number; email: string; code: "USER_EXISTS" | "DUPLICATE_IN_REQUEST" }[];
}

/**
 * Bulk import into a tenant, in one D1 batch. Malformed hashes reject the whole request (listing
 * every bad item); existing addresses are skipped and reported. Imported PBKDF2 hashes are kept as
 * they are and upgraded to our scheme at the user's next sign-in. No hashing work happens here; the
 * dearest imported hash raises the tenant's sign-in floor in the same batch (src/crypto/legacy-hash.ts).
 */
export async function importUsers(
  deps: Deps,
  scope: AdminScope,
  input: { users: ImportUser[]; tenantId?: string },
): Promise<ImportResult> {
  await enforceAdminWrite(deps, scope);
  const tenantId = await targetTenant(deps, scope, input.tenantId);
  const now = deps.now();
  const errors: FieldError[] = [];
  const skipped: ImportResult["skipped"] = [];
  const seen = new Set<string>();
  const rows: (User & { index: number })[] = [];
  let floor: LegacyWork | null = null;
  for (const [index, u] of input.users.entries()) {
    const email = normalizeEmail(u.email);
    if (seen.has(email)) {
      skipped.push({ index, email, code: "DUPLICATE_IN_REQUEST" });
      continue;
    }
    seen.add(email);
    let passwordHash: string | null = null;
    if (u.passwordHash !== undefined) {
      const h = importHash(u.passwordHash, deps.config.hashing);
      if (!h.ok) {
        errors.push({ path: `users.${index}.passwordHash`, code: h.code, message: h.message });
        continue;
      }
      passwordHash = h.stored;
      floor = dearer(floor, h.work);
    }
    rows.push({
      index,
      ...newUser(
        tenantId,
        {
          email,
          name: u.name,
          locale: u.locale,
          passwordHash,
          disabled: u.disabled,
          mfa: u.mfa,
          mustResetPassword: u.mustResetPassword,
        },
        now,
      ),
    });
  }
  if (errors.length)
    throw new AppError("VALIDATION_FAILED", "Some password hashes cannot be imported; nothing was imported.", errors);

  // Quotas, checked before the batch (an import is one call of up to 1,000 users; concurrent
  // imports of one tenant could pass the users quota together by at most their size).
  const { users: maxUsers, importsPerDay } = deps.config.quotas;
  const [held, importsToday] = await Promise.all([
    countUsers(deps.db, tenantId),
    countImportsSince(deps.db, tenantId, now - DAY),
  ]);
  if (importsToday >= importsPerDay) throw quotaExceeded("importsPerDay", importsPerDay);
  if (held + rows.length > maxUsers) throw quotaExceeded("users", maxUsers);

  const statements = [];
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    statements.push(insertUsersJson(deps.db, chunk));
    const audits = chunk.map((u) =>
      auditRow(deps.meta, now, {
        type: "user.created",
        tenantId,
        userId: u.id,
        data: { imported: true, hasPassword: u.passwordHash !== null },
      }),
    );
    statements.push(insertAuditForExistingUsers(deps.db, audits));
  }
  // Last in the batch (they return no rows): the tenant's sign-in floor, and the call itself.
  if (floor) statements.push(raiseLegacyFloor(deps.db, tenantId, floor));
  const call = auditRow(deps.meta, now, { type: IMPORT_EVENT, tenantId, data: { count: rows.length } });
  const q = insertAudit(deps.db, call).toSQL();
  statements.push(deps.db.$client.prepare(q.sql).bind(...q.params));
  const results = statements.length ? await deps.db.$client.batch<{ id: string }>(statements) : [];
  const inserted = new Set(results.flatMap((r) => r.results.map((x) => x.id)));
  const imported: ImportResult["imported"] = [];
  for (const r of rows) {
    if (inserted.has(r.id)) imported.push({ index: r.index, id: r.id, email: r.email });
    else skipped.push({ index: r.index, email: r.email, code: "USER_EXISTS" });
  }
  skipped.sort((a, b) => a.index - b.index);
  return { imported, skipped };
}
