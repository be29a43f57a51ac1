import { describe, expect, it } from "vitest";
import { api } from "./helpers";

describe("smoke", () => {
  it("healthz", async () => {
    const res = await api("/healthz");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok", checks: { d1: "ok", kv: "ok" } });
    expect(res.headers.get("X-Request-Id")).toBeTruthy();
  });
});
