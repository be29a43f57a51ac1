import { describe, expect, it } from "vitest";
import { answerOf, api, createUser, endlessBody, type Problem, requestReset, uniqueEmail } from "../helpers";

describe("HTTP contract", () => {
  it("answers non-JSON bodies with 415 problem+json", async () => {
    const res = await api("/v1/password-resets", {
      method: "POST",
      body: "email=a@b.c",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(415);
    expect(res.headers.get("Content-Type")).toContain("application/problem+json");
    expect(((await res.json()) as Problem).code).toBe("UNSUPPORTED_MEDIA_TYPE");
  });

  it("answers bodies above 16 KiB with 413, whatever Content-Length claims", async () => {
    const big = JSON.stringify({ email: "a@example.com", pad: "x".repeat(17 * 1024) });
    const res = await api("/v1/password-resets", {
      method: "POST",
      body: big,
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Problem).code).toBe("PAYLOAD_TOO_LARGE");
    const chunked = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    const res2 = await api("/v1/password-resets", {
      method: "POST",
      body: chunked,
      headers: { "Content-Type": "application/json" },
      duplex: "half",
    } as RequestInit);
    expect(res2.status).toBe(413);
  });

  it("counts the bytes while they stream: a body that passes 16 KiB and never ends gets 413 at once", async () => {
    const res = await answerOf(
      api("/v1/password-resets", {
        method: "POST",
        body: endlessBody(20 * 1024),
        headers: { "Content-Type": "application/json" },
        duplex: "half",
      } as RequestInit),
    );
    expect(res).not.toBe("no answer");
    expect((res as Response).status).toBe(413);
    expect(((await (res as Response).json()) as Problem).code).toBe("PAYLOAD_TOO_LARGE");
  });

  it("answers malformed JSON with 400 MALFORMED_JSON", async () => {
    const res = await api("/v1/password-resets", {
      method: "POST",
      body: '{"email":',
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Problem).code).toBe("MALFORMED_JSON");
  });

  it("answers an empty body labelled JSON with 400 MALFORMED_JSON where a body is required", async () => {
    const res = await api("/v1/password-resets", {
      method: "POST",
      body: "",
      headers: { "Content-Type": "application/json" },
    });
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
    expect(body.errors!.find((e) => e.code === "UNRECOGNIZED_KEYS")).toMatchObject({
      path: "(body)",
      message: "Unknown field(s): extra.",
    });
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
    // A dead token fails before any password check: the token must not come back.
    const deadToken = "T".repeat(43);
    const secret = "Sup3r-Secret-Passw0rd-xyz";
    const refused = await api("/v1/password-resets/complete", { json: { token: deadToken, newPassword: secret } });
    const refusedText = await refused.text();
    expect((JSON.parse(refusedText) as Problem).code).toBe("INVALID_TOKEN");
    expect(refusedText).not.toContain(deadToken);
    expect(refusedText).not.toContain(secret);

    // A live token gets past the token check, so the password reaches the policy, whose error
    // lists the rules it broke: neither the password nor the token may be in that body.
    const tag = `echo${crypto.randomUUID().slice(0, 8)}`;
    const user = await createUser(`${tag}@example.com`);
    const { token } = await requestReset(user.email);
    const password = `Sup3r-${tag}-Secret-Passw0rd`; // contains the email's local part
    const res = await api("/v1/password-resets/complete", { json: { token, newPassword: password } });
    const text = await res.text();
    expect(res.status).toBe(400);
    const body = JSON.parse(text) as Problem;
    expect(body.code).toBe("PASSWORD_POLICY_VIOLATION");
    expect(body.errors!.map((e) => e.code)).toEqual(["PASSWORD_CONTAINS_EMAIL"]);
    expect(text).not.toContain(password);
    expect(text).not.toContain(token);
  });

  it("marks API responses no-store", async () => {
    const res = await api("/v1/password-resets", { json: { email: uniqueEmail() } });
    expect(res.headers.get("Cache-Control")).toBe("no-store");
    expect(res.headers.get("X-Content-Type-Options")).toBe("nosniff");
  });
});

describe("configuration errors", () => {
  it("fail requests with CONFIGURATION_ERROR naming the variable, never its value", async () => {
    const res = await api("/healthz", { env: { SECRET_KEY: "" } });
    expect(res.status).toBe(500);
    const body = (await res.json()) as Problem;
    expect(body.code).toBe("CONFIGURATION_ERROR");
    expect(body.detail).toContain("SECRET_KEY");
    const bad = await api("/healthz", {
      env: { SIGNING_KEY: '{"kty":"EC","crv":"P-256","x":"oops-not-a-key-value"}' },
    });
    const badBody = (await bad.json()) as Problem;
    expect(badBody.detail).toContain("SIGNING_KEY");
    expect(JSON.stringify(badBody)).not.toContain("oops-not-a-key-value");
  });
});
