import { afterEach, describe, expect, it, vi } from "vitest";
import { adminHeaders, api, createUser, newClient, resetMail, strongPassword, uniqueEmail } from "../helpers";
import { laggingReplica } from "../helpers/d1";

afterEach(() => vi.restoreAllMocks());

const code = async (res: Response) => ((await res.clone().json()) as { code?: string }).code;

describe("D1 read replicas (Sessions API): configuration from a replica, state from the primary", () => {
  it("a replica that never catches up cannot revive a used token: only client rows are read through it", async () => {
    const lag = laggingReplica();
    const call = (path: string, json: unknown) => api(path, { json, bindings: { DB: lag.db } });
    const email = uniqueEmail("replica");
    const old = strongPassword();
    await createUser(email, old);

    expect((await call("/v1/password-resets", { email })).status).toBe(202);
    const { token, code: emailed } = await resetMail(email);
    expect((await call("/v1/password-resets/verify", { token })).status).toBe(200);
    const fresh = strongPassword();
    expect((await call("/v1/password-resets/complete", { token, newPassword: fresh })).status).toBe(200);

    // The same statements again: a frozen replica still holds the token, the code and the old hash.
    const twice = await call("/v1/password-resets/complete", { token, newPassword: strongPassword() });
    expect(twice.status).toBe(410);
    expect(await code(twice)).toBe("TOKEN_USED");
    const verifyAgain = await call("/v1/password-resets/verify", { token });
    expect(await code(verifyAgain)).toBe("TOKEN_USED");
    const byCode = await call("/v1/password-resets/verify", { email, code: emailed });
    expect(await code(byCode)).toBe("INVALID_CODE");
    expect((await call("/v1/sessions", { email, password: old })).status).toBe(401);
    const signedIn = await call("/v1/sessions", { email, password: fresh });
    expect(signedIn.status).toBe(200);

    expect(lag.served.length).toBeGreaterThan(0);
    for (const sql of lag.served) {
      expect(sql).toMatch(/^select .* from "clients" where/i);
      expect(sql).not.toMatch(/reset_requests|"users"|sessions|budgets|outbox|api_keys/);
    }
  });

  it("a client change the replica has not seen: the email follows the primary", async () => {
    const lag = laggingReplica();
    const c = await newClient(adminHeaders, { resetUrl: "https://old.example.com/reset" });
    const ask = (email: string) =>
      api("/v1/password-resets", { json: { email, clientId: c.clientId }, bindings: { DB: lag.db } });
    // The replica answers the client's row as it is now, and keeps answering it.
    expect((await ask(uniqueEmail("nobody"))).status).toBe(202);
    const patched = await api(`/v1/clients/${c.clientId}`, {
      method: "PATCH",
      json: { resetUrl: "https://new.example.com/reset" },
      headers: adminHeaders,
    });
    expect(patched.status).toBe(200);
    const email = uniqueEmail("moved");
    await createUser(email, strongPassword());
    const before = lag.served.length;
    expect((await ask(email)).status).toBe(202);
    // The answer came from the stale replica...
    expect(lag.served.length).toBeGreaterThan(before);
    // ...the link from the primary's row, read in the background batch.
    const { link } = await resetMail(email);
    expect(link.startsWith("https://new.example.com/reset")).toBe(true);
  });
});
