import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, api, createUser, requestReset, resetMail, strongPassword, uniqueEmail } from "../helpers";

afterEach(() => vi.restoreAllMocks());

describe("structured logs", () => {
  it("write one JSON line per refused request and per failed outbox attempt, never secrets", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(" "));
    vi.spyOn(console, "log").mockImplementation(capture);
    vi.spyOn(console, "warn").mockImplementation(capture);
    vi.spyOn(console, "error").mockImplementation(capture);

    const email = uniqueEmail("logs");
    const oldPassword = strongPassword();
    await createUser(email, oldPassword);
    const { token, code, mail } = await requestReset(email);
    const verify = (await (await api("/v1/password-resets/verify", { json: { email, code } })).json()) as {
      resetToken: string;
    };
    const newPassword = strongPassword();
    const done = (await (await api("/v1/password-resets/complete", { json: { token, newPassword } })).json()) as {
      loginToken: string;
    };
    const session = (await (await api("/v1/sessions", { json: { email, password: newPassword } })).json()) as {
      accessToken: string;
    };
    await api("/v1/me", { headers: { Authorization: `Bearer ${session.accessToken}` } });
    await api("/v1/sessions", { json: { email, password: "Wrong-Password-9" } });

    expect(lines.length).toBeGreaterThanOrEqual(1);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = parsed.filter((l) => l.route);
    for (const r of requests) {
      expect(r).toHaveProperty("requestId");
      expect(r).toHaveProperty("status");
      expect(r).toHaveProperty("ms");
      expect(r).toHaveProperty("outcome");
    }
    // By default only refusals, errors and slow requests get a line (LOG_REQUESTS=problems).
    expect(requests.filter((r) => (r.status as number) < 400 && (r.ms as number) < 1000)).toEqual([]);
    expect(requests.find((r) => r.status === 401)).toMatchObject({ outcome: "INVALID_CREDENTIALS" });
    // A delivered email is on the outbox and the audit trail, not in the logs (LOG_REQUESTS=all adds it).
    expect(parsed.some((l) => l.msg === "outbox attempt")).toBe(false);

    const all = lines.join("\n");
    for (const secret of [
      token,
      code!,
      verify.resetToken,
      done.loginToken,
      session.accessToken,
      oldPassword,
      newPassword,
      "Wrong-Password-9",
      ADMIN_KEY,
      email,
      mail.subject,
    ]) {
      expect(all).not.toContain(secret);
    }
  });

  it("write a line for every request with LOG_REQUESTS=all", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(" ")));
    const env = { LOG_REQUESTS: "all" };
    expect((await api("/v1/password-resets", { json: { email: uniqueEmail("all") }, env })).status).toBe(202);
    expect((await api("/v1/password-resets", { json: { email: "not an address" }, env })).status).toBe(400);
    const known = uniqueEmail("all-known");
    await createUser(known, strongPassword());
    expect((await api("/v1/password-resets", { json: { email: known }, env })).status).toBe(202);
    const { token } = await resetMail(known);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = parsed.filter((l) => l.route);
    expect(requests.map((r) => [r.status, r.outcome])).toEqual([
      [202, "OK"],
      [400, "VALIDATION_FAILED"],
      [202, "OK"],
    ]);
    expect(requests[0]).toMatchObject({ tenant: "default", client: "default" });
    // And a line per delivered email, which names neither the address nor the token.
    expect(parsed.some((l) => l.msg === "outbox attempt" && l.outcome === "sent")).toBe(true);
    expect(lines.join("\n")).not.toContain(known);
    expect(lines.join("\n")).not.toContain(token);
  });
});
