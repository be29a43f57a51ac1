import { hex, utf8 } from "../crypto/encoding";
import type { Db } from "./client";

/**
 * True when the password (NFKC, lower-cased) is on the common-password blocklist. The list lives in
 * D1 (migration *_common_passwords.sql, built by scripts/build-common-passwords.mjs) as 32-bit
 * SHA-256 fingerprints in 4,096 buckets: one indexed one-row read, nothing in the Worker bundle.
 */
export async function isCommonPassword(db: Db, password: string): Promise<boolean> {
  const h = hex(await crypto.subtle.digest("SHA-256", utf8(password.normalize("NFKC").toLowerCase())));
  const bucket = parseInt(h.slice(0, 3), 16);
  const fingerprint = h.slice(4, 12).toUpperCase();
  const row = await db.$client
    .prepare("SELECT hex(fingerprints) AS h FROM common_password_buckets WHERE bucket = ?")
    .bind(bucket)
    .first<{ h: string }>();
  const all = row?.h ?? "";
  for (let i = 0; i + 8 <= all.length; i += 8) if (all.slice(i, i + 8) === fingerprint) return true;
  return false;
}
