/**
 * Parity of the embedding pipeline with sentence-transformers' all-MiniLM-L6-v2:
 * the real tokenizer (reference ids from the model's documentation), the
 * 256-token window, padding, and mean pooling + L2 normalisation.
 */
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { l2Normalize } from "../../src/embedding/l2Normalize.js";
import { loadTokenizer } from "../../src/embedding/loadTokenizer.js";
import { meanPool } from "../../src/embedding/meanPool.js";
import type { TextTokenizer } from "../../src/embedding/TextTokenizer.js";
import { sharedModelDir } from "../fixtures/onnx/prepareTestModelDir.js";
import { sharedTokenizerSkipReason } from "./sharedAssets.js";

const skipReason = sharedTokenizerSkipReason("tokenizer parity");
const big = (xs: number[]) => BigInt64Array.from(xs, BigInt);

describe.skipIf(skipReason !== null)("all-MiniLM-L6-v2 tokenizer parity", () => {
  let tokenizer: TextTokenizer;
  beforeAll(async () => {
    const dir = sharedModelDir();
    tokenizer = await loadTokenizer(path.join(dir, "tokenizer.json"), path.join(dir, "tokenizer_config.json"));
  });

  it("encodes the reference sentence to the reference ids", () => {
    expect(tokenizer.encode("This is an example sentence")).toEqual({
      ids: [101, 2023, 2003, 2019, 2742, 6251, 102],
      typeIds: [0, 0, 0, 0, 0, 0, 0],
    });
  });

  it("lower-cases, strips accents and splits word pieces like BertTokenizer", () => {
    const ids = tokenizer.encode("Héllo WORLD, embeddings!").ids;
    // [CLS] hello world , em ##bed ##ding ##s ! [SEP]
    expect(ids).toEqual([101, 7592, 2088, 1010, 7861, 8270, 4667, 2015, 999, 102]);
  });

  it("truncates to the 256-token window, keeping [CLS] and [SEP]", () => {
    expect(tokenizer.maxLength).toBe(256);
    const text = Array.from({ length: 400 }, (_, i) => `word${i % 17} example`).join(" ");
    const ids = tokenizer.encode(text).ids;
    expect(ids).toHaveLength(256);
    expect(ids[0]).toBe(101);
    expect(ids[255]).toBe(102);
    const untruncated = tokenizer["encodeWhole"](text).ids;
    expect(untruncated.length).toBeGreaterThan(256);
    expect(ids.slice(0, 255)).toEqual(untruncated.slice(0, 255));
    // Exactly 254 content tokens fit: 254 "example"s stay untouched, 255 are cut.
    expect(tokenizer.encode("example ".repeat(254)).ids).toHaveLength(256);
    expect(tokenizer.encode("example ".repeat(255)).ids).toEqual(tokenizer.encode("example ".repeat(254)).ids);
  });

  it("does not apply tokenizer.json's own 128-token truncation or fixed padding", () => {
    expect(tokenizer.encode("example ".repeat(200)).ids).toHaveLength(202);
    expect(tokenizer.encode("example").ids).toHaveLength(3);
  });

  it("pads a batch to its longest text with [PAD] (id 0) and a zero mask", () => {
    const batch = tokenizer.encodeBatch(["This is an example sentence", "Hello"]);
    expect(batch.sequenceLength).toBe(7);
    expect(batch.inputIds).toEqual(big([101, 2023, 2003, 2019, 2742, 6251, 102, 101, 7592, 102, 0, 0, 0, 0]));
    expect(batch.attentionMask).toEqual(big([1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0]));
    expect(batch.tokenTypeIds).toEqual(new BigInt64Array(14));
  });

  it("mean-pools over the mask and L2-normalises (hand-computed example)", () => {
    // The padded batch above, with hidden states where token t of text b has
    // (b + 1) * (t + 1) in dimension 0, 1 in dimension 1, and 50 everywhere at padding.
    const batch = tokenizer.encodeBatch(["This is an example sentence", "Hello"]);
    const H = 384;
    const hidden = new Float32Array(2 * 7 * H);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 7; t++) {
        const base = (b * 7 + t) * H;
        if (batch.attentionMask[b * 7 + t] === 0n) hidden.fill(50, base, base + H);
        else {
          hidden[base] = (b + 1) * (t + 1);
          hidden[base + 1] = 1;
        }
      }
    }
    const [first, second] = meanPool(hidden, batch.attentionMask, 2, 7, H).map(l2Normalize);
    // Text 0: mean of 1..7 = 4 in dim 0, 1 in dim 1 -> (4, 1) / sqrt(17).
    // Text 1: mean of 2, 4, 6 = 4 in dim 0, 1 in dim 1 -> the same direction.
    const expected = [4 / Math.sqrt(17), 1 / Math.sqrt(17)].map(Math.fround);
    for (const v of [first!, second!]) {
      expect(Array.from(v.subarray(0, 2))).toEqual(expected);
      expect(v.subarray(2).every((x) => x === 0)).toBe(true);
    }
  });
});
