import { type DevMailRow, findDevMail, listDevMail } from "../db/dev-mailbox";
import type { Deps } from "../deps";
import { AppError } from "../domain/errors";

export type { DevMailRow };

/** NOT_FOUND unless ENVIRONMENT=development: the captured mail holds live reset links. */
function requireDevelopment(deps: Deps): void {
  if (deps.config.environment !== "development") throw new AppError("NOT_FOUND");
}

/** The newest mail the dev provider captured (development only). */
export async function devMail(deps: Deps, limit: number): Promise<DevMailRow[]> {
  requireDevelopment(deps);
  return listDevMail(deps.db, limit);
}

/** One captured message (development only); NOT_FOUND when there is none. */
export async function devMessage(deps: Deps, id: string): Promise<DevMailRow> {
  requireDevelopment(deps);
  const row = await findDevMail(deps.db, id);
  if (!row) throw new AppError("NOT_FOUND");
  return row;
}
