/**
 * Optional: with the real all-MiniLM-L6-v2 weights (not available on the
 * build machines), compare with sentence-transformers' published values.
 * Set LTST_MINILM_MODEL_DIR to the downloaded model directory to run it.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../../src/embedding/Embedder.js";
import { loadEmbedder } from "../../src/embedding/loadEmbedder.js";
import { realModelDirOrSkip } from "./sharedAssets.js";

const modelDir = realModelDirOrSkip("reference values of the real model");

describe.skipIf(modelDir === null)("real all-MiniLM-L6-v2 reference values", () => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await loadEmbedder({ modelDir: modelDir! });
  });
  afterAll(async () => {
    await embedder?.close();
  });

  it("embeds the reference sentence like sentence-transformers", async () => {
    const [v] = await embedder.embed(["This is an example sentence"]);
    const expected = [0.06765693, 0.06349593, 0.04871314, 0.07930495, 0.03744806, 0.00265273];
    expected.forEach((x, i) => expect(Math.abs(v![i]! - x)).toBeLessThan(1e-4));
  });

  it("reproduces the reference cosine similarities", async () => {
    const vs = await embedder.embed(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]);
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const expected = [
      [1, 0.666, 0.1046],
      [0.666, 1, 0.1411],
      [0.1046, 0.1411, 1],
    ];
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) expect(Math.abs(cos(vs[i]!, vs[j]!) - expected[i]![j]!)).toBeLessThan(2e-3);
    }
  });
});
