import { describe, expect, it } from "vitest";
import { adminHeaders, api, createUser, uniqueEmail } from "./helpers";

type Problem = { type: string; title: string; status: number; detail: string; instance: string; code: string; requestId: string; errors?: { path: string; code: string; message: string }[] };

describe("HTTP contract", () => {
  it("answers non-JSON bodies with 415 problem+json", async () => {
    const res = await api("/v1/password-resets", { method: "POST", body: "email=a@b.c", headers: { "Content-Type": "application/x-www-form-urlencoded" } });
    expect(res.status).toBe(415);
    expect(res.headers.get("Content-Type")).toContain("application/problem+json");
    expect(((await res.json()) as Problem).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers bodies above 16 KiB with 413, whatever Content-Length claims", async () => {
    const big = JSON.stringify({ email: "a@example.com", pad: "x".repeat(17 * 1024) });
    const res = await api("/v1/password-resets", { method: "POST", body: big, headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Problem).code).toBe("PAYLOAD_TOO_LARGE");
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res2 = await api("/v1/password-resets", { method: "POST", body: chunked, headers: { "Content-Type": "application/json" }, duplex: "half" } as RequestInit);
    expect(res2.status).toBe(413);
  });

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    const res = await api("/v1/password-resets", { method: "POST", body: "{\"email\":", headers: { "Content-Type": "application/json" } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).code).toBe("MALFORMED_JSON");
  });

  it("lists every invalid field, and rejects unknown fields", async () => {
    const res = await api("/v1/password-resets", { json: { email: "not-an-email", locale: "??", extra: 1 } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body.code).toBe("VALIDATION_FAILED");
    const paths = body.errors!.map((e) => e.path);
    expect(paths).toContain("email");
    expect(paths).toContain("locale");
    expect(body.errors!.find((e) => e.code === "UNRECOGNIZED_KEYS")).toMatchObject({ path: "(body)", message: "Unknown field(s): extra." });
    expect(body.errors!.find((e) => e.path === "email")!.message).toBe("Must be a valid email.");
  });

  it("shapes every error as RFC 9457 problem details with the request id", async () => {
    const res = await api("/v1/nope", { headers: { "X-Request-Id": "req-abcdef123" } });
    expect(res.status).toBe(404);
    expect(res.headers.get("X-Request-Id")).toBe("req-abcdef123");
    const body = (await res.json()) as Problem;
    expect(body).toMatchObject({ status: 404, code: "NOT_FOUND", instance: "/v1/nope", requestId: "req-abcdef123" });
    expect(body.type).toBeTruthy();
    expect(body.title).toBeTruthy();
    expect(body.detail).toBeTruthy();
  });

  it("mints its own request id when the caller's is unsafe to echo", async () => {
    const res = await api("/healthz", { headers: { "X-Request-Id": "bad id <script>" } });
    expect(res.headers.get("X-Request-Id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("never echoes the submitted password or token in an error body", async () => {
    const secret = "Sup3r-Secret-Passw0rd-xyz";
    const token = "T".repeat(43);
    const res = await api("/v1/password-resets/complete", { json: { token, newPassword: secret } });
    const text = await res.text();
    expect(text).not.toContain(secret);
    expect(text).not.toContain(token);
  });

  it("marks API responses no-store", async () => {
    const res = await api("/v1/password-resets", { json: { email: uniqueEmail() } });
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });
});

describe("admin API", () => {
  it("requires the API key (401 with a challenge)", async () => {
    for (const headers of [{}, { Authorization: "Bearer wrong-key-000000000" }, { Authorization: "Basic " + btoa("default:nope") }] as Record<string, string>[]) {
      const res = await api("/v1/users", { json: { email: uniqueEmail() }, headers });
      expect(res.status).toBe(401);
      expect(res.headers.get("WWW-Authenticate")).toContain("Bearer");
      expect(((await res.json()) as Problem).code).toBe("UNAUTHORIZED");
    }
  });

  it("creates, conflicts and reads users", async () => {
    const email = uniqueEmail("Admin");
    const created = await api("/v1/users", { json: { email: `  ${email.toUpperCase()}`, name: "Ada", locale: "en" }, headers: adminHeaders });
    expect(created.status).toBe(201);
    const user = (await created.json()) as { id: string; email: string; hasPassword: boolean };
    expect(user.email).toBe(email.toLowerCase());
    expect(user.hasPassword).toBe(false);
    expect(user).not.toHaveProperty("passwordHash");
    const dup = await api("/v1/users", { json: { email }, headers: adminHeaders });
    expect(dup.status).toBe(409);
    expect(((await dup.json()) as Problem).code).toBe("USER_EXISTS");
    const got = await api(`/v1/users/${user.id}`, { headers: adminHeaders });
    expect(got.status).toBe(200);
    expect(await got.json()).toMatchObject({ id: user.id, name: "Ada" });
    const missing = await api("/v1/users/usr_missing", { headers: adminHeaders });
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as Problem).code).toBe("USER_NOT_FOUND");
  });

  it("checks the password policy when a user is created with a password", async () => {
    const res = await api("/v1/users", { json: { email: uniqueEmail(), password: "password" }, headers: adminHeaders });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Problem;
    expect(body.code).toBe("PASSWORD_POLICY_VIOLATION");
    expect(body.errors!.map((e) => e.code)).toEqual(["PASSWORD_TOO_COMMON"]);
  });

  it("lists clients, including the default one, without secrets", async () => {
    const res = await api("/v1/clients", { headers: adminHeaders });
    expect(res.status).toBe(200);
    const { clients } = (await res.json()) as { clients: Record<string, unknown>[] };
    const def = clients.find((c) => c.clientId === "default")!;
    expect(def).toMatchObject({ tenantId: "default", issueLoginToken: true });
    expect(JSON.stringify(clients)).not.toContain("secret_hash");
  });

  it("admin reset follows seed 004: 204 empty, 400/404 problem details", async () => {
    const user = await createUser(uniqueEmail("nexus"));
    const missingClient = await api(`/v1/users/${user.id}/password-reset`, { method: "POST", headers: adminHeaders });
    expect(missingClient.status).toBe(400);
    const p400 = (await missingClient.json()) as Problem;
    for (const k of ["type", "title", "status", "detail", "instance"]) expect(p400).toHaveProperty(k);
    const unknownClient = await api(`/v1/users/${user.id}/password-reset?clientId=nope`, { method: "POST", headers: adminHeaders });
    expect(unknownClient.status).toBe(400);
    const unknownUser = await api(`/v1/users/usr_nope/password-reset?clientId=default`, { method: "POST", headers: adminHeaders });
    expect(unknownUser.status).toBe(404);
    const p404 = (await unknownUser.json()) as Problem;
    expect(p404).toMatchObject({ status: 404, code: "USER_NOT_FOUND", instance: "/v1/users/usr_nope/password-reset" });
    const ok = await api(`/v1/users/${user.id}/password-reset?clientId=default`, { method: "POST", headers: adminHeaders });
    expect(ok.status).toBe(204);
    expect(await ok.text()).toBe("");
  });

  it("serves the dev mailbox only in development", async () => {
    expect((await api("/dev/mailbox.json")).status).toBe(200);
    expect((await api("/dev/mailbox", {})).headers.get("Content-Type")).toContain("text/html");
    const prod = await api("/dev/mailbox.json", { env: { ENVIRONMENT: "production", MAIL_PROVIDER: "resend" } });
    expect(prod.status).toBe(404);
  });
});
