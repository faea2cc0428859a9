import { describe, expect, it } from "vitest";
import { createStorageQuota } from "./createStorageQuota.js";

describe("createStorageQuota", () => {
  it("measures once per refresh period, and again at once after forget (an erasure)", async () => {
    let stored = 1000;
    let measured = 0;
    let now = 0;
    const quota = createStorageQuota({ refreshMs: 60_000, now: () => now, measure: async () => (measured++, stored) });
    expect(await quota.usage("t1")).toBe(1000);
    stored = 10;
    now += 1000;
    expect(await quota.usage("t1")).toBe(1000);
    quota.forget("t1");
    expect(await quota.usage("t1")).toBe(10);
    expect(measured).toBe(2);
  });

  it("does not keep a measurement that started before forget", async () => {
    let release: (bytes: number) => void = () => {};
    let calls = 0;
    const quota = createStorageQuota({
      refreshMs: 60_000,
      measure: () => {
        calls += 1;
        return calls === 1 ? new Promise<number>((resolve) => (release = resolve)) : Promise.resolve(5);
      },
    });
    const stale = quota.usage("t1");
    quota.forget("t1");
    release(1000);
    expect(await stale).toBe(1000);
    expect(await quota.usage("t1")).toBe(5);
  });
});
