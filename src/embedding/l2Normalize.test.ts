import { describe, expect, it } from "vitest";
import { l2Normalize } from "./l2Normalize.js";

describe("l2Normalize", () => {
  it("scales to unit length (hand-computed example)", () => {
    // |(3, 4)| = 5
    const v = Float32Array.of(3, 4);
    expect(Array.from(l2Normalize(v))).toEqual([Math.fround(0.6), Math.fround(0.8)]);
    expect(Array.from(v)).toEqual([3, 4]); // input untouched
  });

  it("handles negative values and many dimensions", () => {
    const out = l2Normalize(Float32Array.of(-2, 1, 2, 0)); // norm 3
    expect(Array.from(out)).toEqual([-2 / 3, 1 / 3, 2 / 3, 0].map(Math.fround));
  });

  it("leaves a zero vector at zero", () => {
    expect(Array.from(l2Normalize(new Float32Array(3)))).toEqual([0, 0, 0]);
  });
});
