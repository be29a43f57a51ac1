import { importHash, type Pbkdf2Export } from "../crypto/import-hash";
import { dearer, type LegacyWork } from "../crypto/legacy-hash";
import { auditRow, insertAuditForExistingUsers } from "../db/audit";
import { raiseLegacyFloor } from "../db/tenants";
import { insertUsersJson, newUser, type User } from "../db/users";
import type { Deps } from "../deps";
import type { AdminScope } from "../domain/admin-scope";
import { normalizeEmail } from "../domain/email";
import { AppError, type FieldError } from "../domain/errors";
import { targetTenant } from "./target-tenant";

/** Users per import call. */
export const MAX_IMPORT = 1000;
/** Rows per INSERT statement: keeps each bound JSON parameter far below D1's value-size limit. */
const CHUNK = 250;

export interface ImportUser {
  email: string;
  name?: string;
  locale?: string;
  disabled?: boolean;
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
      ...newUser(tenantId, { email, name: u.name, locale: u.locale, passwordHash, disabled: u.disabled }, now),
    });
  }
  if (errors.length)
    throw new AppError("VALIDATION_FAILED", "Some password hashes cannot be imported; nothing was imported.", errors);

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
  // Last in the batch, so results[] still lines up with the inserts (it returns no rows).
  if (floor) statements.push(raiseLegacyFloor(deps.db, tenantId, floor));
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
