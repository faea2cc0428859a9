import { describe, expect, it } from "vitest";
import { createTokenBuckets } from "./createTokenBuckets.js";

describe("createTokenBuckets", () => {
  it("allows the burst at once, then the rate, and says when to retry", () => {
    let t = 0;
    const buckets = createTokenBuckets({ now: () => t });
    const limit = { perSecond: 10, burst: 3 };
    expect([1, 2, 3].map(() => buckets.take("a", limit))).toEqual([0, 0, 0]);
    expect(buckets.take("a", limit)).toBe(100);
    t += 50;
    expect(buckets.take("a", limit)).toBe(50);
    t += 50;
    expect(buckets.take("a", limit)).toBe(0);
    // Other keys have buckets of their own.
    expect(buckets.take("b", limit)).toBe(0);
    // Refills up to the burst, not beyond.
    t += 60_000;
    expect([1, 2, 3, 4].map(() => buckets.take("a", limit))).toEqual([0, 0, 0, 100]);
  });

  it("treats a rate of 0 as unlimited and keeps at most maxBuckets", () => {
    const buckets = createTokenBuckets({ maxBuckets: 2, now: () => 0 });
    for (let i = 0; i < 1000; i++) expect(buckets.take("x", { perSecond: 0, burst: 0 })).toBe(0);
    buckets.take("a", { perSecond: 1, burst: 1 });
    buckets.take("b", { perSecond: 1, burst: 1 });
    buckets.take("c", { perSecond: 1, burst: 1 });
    expect(buckets.size).toBe(2);
  });
});
