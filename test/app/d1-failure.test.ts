import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../src/db/client";
import {
  adminHeaders,
  api,
  captureLogs,
  createUser,
  depsOverrides,
  failingD1,
  headerNames,
  postForm,
  runCron,
  strongPassword,
  uniqueEmail,
} from "../helpers";

afterEach(() => vi.restoreAllMocks());

/** Every logged line, parsed; a line that is not our JSON fails the test (it came from elsewhere). */
const parsed = (lines: string[]) => lines.map((l) => JSON.parse(l) as Record<string, unknown>);

describe("D1 failing on every statement", () => {
  it("the request endpoint still answers the identical 202, and logs the failure without the address", async () => {
    const email = uniqueEmail("d1down");
    await createUser(email, strongPassword());
    const healthy = await api("/v1/password-resets", { json: { email: uniqueEmail("d1down-unknown") } });

    depsOverrides.db = getDb(failingD1());
    const lines = captureLogs();
    const known = await api("/v1/password-resets", { json: { email } });
    const unknown = await api("/v1/password-resets", { json: { email: uniqueEmail("d1down-unknown") } });
    for (const res of [known, unknown]) {
      expect(res.status).toBe(202);
      expect(headerNames(res)).toEqual(headerNames(healthy));
    }
    expect(await known.text()).toBe(await healthy.text());
    expect(await unknown.text()).toBe('{"status":"accepted"}');

    const all = lines.join("\n");
    expect(all).not.toContain(email);
    expect(all).not.toMatch(/params|Failed query|@example\.com/);
    expect(parsed(lines).some((l) => l.level === "error" && /database/i.test(String(l.msg)))).toBe(true);
  });

  it("no other path logs query parameters: sign-in, admin, pages, dialects, background work, the cron", async () => {
    const email = uniqueEmail("d1down-paths");
    const password = strongPassword();
    depsOverrides.db = getDb(failingD1());
    const lines = captureLogs();
    const sessions = await api("/v1/sessions", { json: { email, password } });
    expect(sessions.status).toBe(500);
    expect(((await sessions.json()) as { code: string }).code).toBe("DATABASE_FAILURE");
    await api("/v1/users", { json: { email, password }, headers: adminHeaders });
    await api(`/v1/users/usr_${encodeURIComponent(email)}`, { headers: adminHeaders });
    await api("/forgot-password");
    await postForm("/forgot-password", { email, csrf: "x" });
    await api(`/reset-password?token=${"t".repeat(43)}`);
    await api("/api/auth/password/reset-request", { json: { email } });
    await api("/auth/forgot-password", { json: { email } });
    await api("/api/sys/users/startPasswordReset", { json: { email } });
    await api("/auth/login", { json: { email, password } });
    await api("/api/token", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ grant_type: "password", username: email, password }).toString(),
    });
    await runCron().catch(() => undefined);

    // Past the client lookup: the users table fails, in the background work and on every path.
    // A fresh address: the first phase may have started its cooldowns (the client was cached).
    depsOverrides.db = getDb(failingD1(/"users"|audit_events|outbox|reset_requests/));
    const later = uniqueEmail("d1down-later");
    for (const path of ["/v1/password-resets", "/auth/forgot-password", "/api/sys/users/startPasswordReset"])
      expect((await api(path, { json: { email: later } })).status).toBeLessThan(300);
    await api("/v1/sessions", { json: { email, password } });
    await api("/v1/users", { json: { email, password }, headers: adminHeaders });
    await postForm("/forgot-password", { email, csrf: "x" });
    await runCron().catch(() => undefined);

    const all = lines.join("\n");
    for (const address of [email, later]) {
      expect(all).not.toContain(address);
      expect(all).not.toContain(encodeURIComponent(address));
    }
    expect(all).not.toContain(password);
    expect(all).not.toMatch(/params|Failed query/);
    expect(lines.length).toBeGreaterThan(10);
    // The failures are still there for the operator: D1's own message, which names no value.
    const errors = parsed(lines).filter((l) => l.level === "error");
    const dropped = ["background work failed", "reset request dropped: database failure"];
    expect(errors.some((l) => dropped.includes(String(l.msg)) && /^D1_ERROR/.test(String(l.error)))).toBe(true);
    expect(errors.some((l) => l.msg === "maintenance failed")).toBe(true);
  });
});
