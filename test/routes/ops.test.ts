import { describe, expect, it } from "vitest";
import { api } from "../helpers";

describe("GET /healthz", () => {
  it("answers ok with the D1 and KV checks and a request id", async () => {
    const res = await api("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { d1: "ok", kv: "ok" } });
    expect(res.headers.get("X-Request-Id")).toBeTruthy();
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the public signing key only", async () => {
    const res = await api("/.well-known/jwks.json");
    const jwks = (await res.json()) as { keys: Record<string, string>[] };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwks.keys[0]).not.toHaveProperty("d");
    expect(jwks.keys[0]!.kid).toBeTruthy();
  });
});
