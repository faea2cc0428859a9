import { describe, expect, it } from "vitest";
import { padBatch } from "./padBatch.js";

const big = (xs: number[]) => BigInt64Array.from(xs, BigInt);

describe("padBatch", () => {
  it("pads every row to the longest with [PAD] and a zero mask", () => {
    const batch = padBatch([
      { ids: [101, 7, 8, 102], typeIds: [0, 0, 0, 0] },
      { ids: [101, 102], typeIds: [0, 0] },
      { ids: [101, 9, 102], typeIds: [0, 1, 1] },
    ]);
    expect(batch.batchSize).toBe(3);
    expect(batch.sequenceLength).toBe(4);
    expect(batch.inputIds).toEqual(big([101, 7, 8, 102, 101, 102, 0, 0, 101, 9, 102, 0]));
    expect(batch.attentionMask).toEqual(big([1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0]));
    expect(batch.tokenTypeIds).toEqual(big([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0]));
  });

  it("uses the given pad id", () => {
    const batch = padBatch([{ ids: [5], typeIds: [0] }, { ids: [5, 6], typeIds: [0, 0] }], 3);
    expect(batch.inputIds).toEqual(big([5, 3, 5, 6]));
  });

  it("handles a single row without padding and an empty batch", () => {
    expect(padBatch([{ ids: [1, 2], typeIds: [0, 0] }]).attentionMask).toEqual(big([1, 1]));
    const empty = padBatch([]);
    expect([empty.batchSize, empty.sequenceLength, empty.inputIds.length]).toEqual([0, 0, 0]);
  });
});
