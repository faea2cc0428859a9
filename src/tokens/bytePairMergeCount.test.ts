import { describe, expect, it } from "vitest";
import { bytePairMergeCount } from "./bytePairMergeCount.js";
import { random } from "../../test/support/random.js";

/** gpt-tokenizer's merge (and tiktoken's): rescan for the lowest rank, leftmost first, after every merge. */
function referenceCount(length: number, pairRank: (start: number, end: number) => number | undefined): number {
  const starts = Array.from({ length: length + 1 }, (_, i) => i);
  for (;;) {
    let best = Infinity;
    let at = -1;
    for (let i = 0; i + 2 < starts.length; i++) {
      const rank = pairRank(starts[i]!, starts[i + 2]!) ?? Infinity;
      if (rank < best) {
        best = rank;
        at = i;
      }
    }
    if (at < 0) return starts.length - 1;
    starts.splice(at + 1, 1);
  }
}

describe("bytePairMergeCount", () => {
  it("counts like the rescanning merge on random vocabularies, ties included", () => {
    const next = random(42);
    for (let round = 0; round < 300; round++) {
      // A small alphabet makes repeated pairs (equal ranks side by side) common.
      const alphabet = 2 + Math.floor(next() * 3);
      const vocabulary = new Map<string, number>();
      const vocabularySize = 1 + Math.floor(next() * 40);
      for (let rank = 0; rank < vocabularySize; rank++) {
        const length = 2 + Math.floor(next() * 5);
        let token = "";
        for (let i = 0; i < length; i++) token += String.fromCharCode(97 + Math.floor(next() * alphabet));
        if (!vocabulary.has(token)) vocabulary.set(token, rank);
      }
      let piece = "";
      const pieceLength = Math.floor(next() * 120);
      for (let i = 0; i < pieceLength; i++) piece += String.fromCharCode(97 + Math.floor(next() * alphabet));
      const pairRank = (start: number, end: number) => vocabulary.get(piece.slice(start, end));
      expect(bytePairMergeCount(piece.length, pairRank), `piece ${piece}`).toBe(referenceCount(piece.length, pairRank));
    }
  });

  it("merges the leftmost of equal ranks first", () => {
    // "aaab": "aa" at 0 and at 1 tie. Leftmost first gives (aa)(a)(b), then
    // (aa)(ab): 2 parts; rightmost first would give (a)(aa)(b) and stop at 3.
    const vocabulary = new Map([
      ["aa", 0],
      ["ab", 1],
    ]);
    const piece = "aaab";
    const pairRank = (start: number, end: number) => vocabulary.get(piece.slice(start, end));
    expect(bytePairMergeCount(piece.length, pairRank)).toBe(2);
    expect(referenceCount(piece.length, pairRank)).toBe(2);
  });

  it("handles empty and one-byte pieces", () => {
    expect(bytePairMergeCount(0, () => 0)).toBe(0);
    expect(bytePairMergeCount(1, () => 0)).toBe(1);
  });
});
