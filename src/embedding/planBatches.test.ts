import { describe, expect, it } from "vitest";
import { chunkIndices, planBatches } from "./planBatches.js";

const sorted = (batches: number[][]) => batches.flat().sort((a, b) => a - b);

describe("planBatches", () => {
  it("covers every text exactly once and respects maxBatchSize", () => {
    const lengths = Array.from({ length: 100 }, (_, i) => 5 + ((i * 37) % 120));
    for (const max of [1, 7, 32]) {
      const batches = planBatches(lengths, max);
      expect(sorted(batches)).toEqual(lengths.map((_, i) => i));
      expect(batches.every((b) => b.length >= 1 && b.length <= max)).toBe(true);
    }
  });

  it("keeps texts of equal length in full batches", () => {
    expect(planBatches(Array(70).fill(12), 32).map((b) => b.length)).toEqual([32, 32, 6]);
  });

  it("runs a long outlier apart from short texts instead of padding them all to it", () => {
    const lengths = [10, 11, 12, 256, 9, 10, 12, 11];
    const batches = planBatches(lengths, 32);
    expect(batches[0]).toEqual([3]);
    expect(sorted(batches.slice(1))).toEqual([0, 1, 2, 4, 5, 6, 7]);
    expect(batches).toHaveLength(2);
  });

  it("orders each run longest first, ties by input order", () => {
    expect(planBatches([3, 5, 5, 4], 32)).toEqual([[1, 2, 3, 0]]);
  });

  it("does not split short texts of slightly different lengths into many runs", () => {
    const lengths = Array.from({ length: 32 }, (_, i) => 8 + (i % 6));
    expect(planBatches(lengths, 32).length).toBeLessThanOrEqual(2);
  });

  it("handles no texts and rejects a bad batch size", () => {
    expect(planBatches([], 32)).toEqual([]);
    expect(() => planBatches([1], 0)).toThrow(RangeError);
    expect(() => planBatches([1], 1.5)).toThrow(RangeError);
  });
});

describe("chunkIndices", () => {
  it("splits in input order", () => {
    expect(chunkIndices(5, 2)).toEqual([[0, 1], [2, 3], [4]]);
    expect(chunkIndices(0, 2)).toEqual([]);
    expect(() => chunkIndices(3, 0)).toThrow(RangeError);
  });
});
