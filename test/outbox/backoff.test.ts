import { describe, expect, it } from "vitest";
import { backoffMs } from "../../src/outbox/backoff";

describe("backoffMs", () => {
  it("backs off exponentially with jitter, capped, and honours Retry-After", () => {
    expect(backoffMs(1, undefined, () => 1)).toBe(30_000);
    expect(backoffMs(2, undefined, () => 1)).toBe(60_000);
    expect(backoffMs(3, undefined, () => 0)).toBe(60_000);
    expect(backoffMs(30, undefined, () => 1)).toBe(3_600_000);
    expect(backoffMs(1, 600, () => 1)).toBe(600_000);
  });
});
