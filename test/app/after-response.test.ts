import { describe, expect, it } from "vitest";
import { afterResponse, type Deps } from "../../src/deps";

describe("afterResponse (background work of the request endpoint, sign-in, complete and the outbox)", () => {
  it("hands the work to deps.defer, starting it a timer turn later, not in the caller's turn", async () => {
    const deferred: Promise<unknown>[] = [];
    const deps = { defer: (work: Promise<unknown>) => void deferred.push(work) } as unknown as Deps;
    let started = false;
    afterResponse(deps, async () => {
      started = true;
      return "done";
    });
    expect(deferred).toHaveLength(1);
    // Neither synchronously nor in the microtasks that follow (where a response is still being handed over).
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(started).toBe(false);
    await expect(deferred[0]).resolves.toBe("done");
    expect(started).toBe(true);
  });

  it("lets a failure reach deps.defer, which logs it", async () => {
    const deferred: Promise<unknown>[] = [];
    const deps = { defer: (work: Promise<unknown>) => void deferred.push(work) } as unknown as Deps;
    afterResponse(deps, () => {
      throw new Error("D1 down");
    });
    await expect(deferred[0]).rejects.toThrow("D1 down");
  });
});
