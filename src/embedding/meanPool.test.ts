import { describe, expect, it } from "vitest";
import { meanPool } from "./meanPool.js";

const big = (xs: number[]) => BigInt64Array.from(xs, BigInt);

describe("meanPool", () => {
  it("averages token vectors where the mask is 1 (hand-computed example)", () => {
    // batch 2, sequence 3, hidden 2
    const hidden = Float32Array.of(
      1, 2, /**/ 3, 4, /**/ 100, 100, // text 0: third position is padding
      -1, 0, /**/ 2, 6, /**/ 5, -3, // text 1: all attended
    );
    const pooled = meanPool(hidden, big([1, 1, 0, 1, 1, 1]), 2, 3, 2);
    expect(pooled).toHaveLength(2);
    expect(Array.from(pooled[0]!)).toEqual([2, 3]); // ((1+3)/2, (2+4)/2)
    expect(Array.from(pooled[1]!)).toEqual([2, 1]); // ((-1+2+5)/3, (0+6-3)/3)
  });

  it("ignores masked positions anywhere, not only at the end", () => {
    const pooled = meanPool(Float32Array.of(9, 1, 9, 3), big([0, 1, 0, 1]), 1, 4, 1);
    expect(Array.from(pooled[0]!)).toEqual([2]);
  });

  it("gives a zero vector when nothing is attended", () => {
    expect(Array.from(meanPool(Float32Array.of(1, 2), big([0]), 1, 1, 2)[0]!)).toEqual([0, 0]);
  });

  it("rejects inconsistent shapes", () => {
    expect(() => meanPool(new Float32Array(5), big([1, 1]), 1, 2, 3)).toThrow(RangeError);
    expect(() => meanPool(new Float32Array(6), big([1]), 1, 2, 3)).toThrow(RangeError);
  });
});
