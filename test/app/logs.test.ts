import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN_KEY, api, createUser, requestReset, strongPassword, uniqueEmail } from "../helpers";

afterEach(() => vi.restoreAllMocks());

describe("structured logs", () => {
  it("write one JSON line per request and per outbox attempt, never secrets", async () => {
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

    expect(lines.length).toBeGreaterThan(5);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = parsed.filter((l) => l.route);
    for (const r of requests) {
      expect(r).toHaveProperty("requestId");
      expect(r).toHaveProperty("status");
      expect(r).toHaveProperty("ms");
      expect(r).toHaveProperty("outcome");
    }
    const reset = requests.find((r) => r.route === "/v1/password-resets" && r.status === 202)!;
    expect(reset).toMatchObject({ tenant: "default", client: "default", outcome: "OK" });
    expect(requests.find((r) => r.status === 401)).toMatchObject({ outcome: "INVALID_CREDENTIALS" });
    expect(parsed.some((l) => l.msg === "outbox attempt" && l.outcome === "sent")).toBe(true);

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
});
