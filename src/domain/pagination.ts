import { AppError } from "./errors";

/** Where a keyset page ended: the (createdAt, id) of its last row (lists are newest first). */
export interface Cursor {
  createdAt: number;
  id: string;
}

/** The opaque cursor of a row: base64url of JSON `[createdAt, id]`. One format for every list. */
export function encodeCursor(row: Cursor): string {
  return btoa(JSON.stringify([row.createdAt, row.id]))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
}

/** Reads a cursor this API returned; anything else is VALIDATION_FAILED with INVALID_CURSOR on `cursor`. */
export function decodeCursor(raw: string): Cursor {
  try {
    const [createdAt, id] = JSON.parse(atob(raw.replace(/-/g, "+").replace(/_/g, "/"))) as [unknown, unknown];
    if (
      typeof createdAt === "number" &&
      Number.isSafeInteger(createdAt) &&
      typeof id === "string" &&
      /^[\w-]{1,64}$/.test(id)
    ) {
      return { createdAt, id };
    }
  } catch {
    // falls through
  }
  throw new AppError("VALIDATION_FAILED", "cursor is not a cursor this API returned.", [
    { path: "cursor", code: "INVALID_CURSOR", message: "Use nextCursor as returned." },
  ]);
}

/** Splits the `limit + 1` rows a keyset query read into one page and the cursor of the next (null: last page). */
export function toPage<T extends Cursor>(rows: T[], limit: number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}
