/** Logs one JSON line; callers pass codes and ids only, never tokens, codes, passwords, addresses or bodies. */
export function logEvent(fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ t: new Date().toISOString(), ...fields }));
}
