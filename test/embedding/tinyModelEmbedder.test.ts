/**
 * The real loading and inference path (loadEmbedder: tokenizer.json +
 * onnxruntime session + pooling) on the tiny generated model, whose
 * similarities are meaningful: texts sharing words are closer.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Embedder } from "../../src/embedding/Embedder.js";
import { loadEmbedder } from "../../src/embedding/loadEmbedder.js";
import { ModelUnavailableError } from "../../src/embedding/ModelUnavailableError.js";
import { copySharedFiles, prepareTestModelDir, removeTestModelDir } from "../fixtures/onnx/prepareTestModelDir.js";
import { sharedTokenizerSkipReason } from "./sharedAssets.js";

const skipReason = sharedTokenizerSkipReason("embedder on the tiny model");

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
  return dot; // both are unit vectors
}

const TEXTS = [
  "How do I reset my password?",
  "Password reset instructions are sent by email.",
  "The stadium was full for the football final.",
  "short",
  "Deployment failed because the database migration timed out after 30 seconds.",
  "",
  "The weather is lovely today.",
  "It's so sunny outside!",
  "He drove to the stadium.",
  "Use the CLI to fetch the model, then start the server with two intra-op threads and a batch size of thirty-two.",
];

describe.skipIf(skipReason !== null)("loadEmbedder with the tiny model", () => {
  let dir: string;
  let embedder: Embedder;

  beforeAll(async () => {
    dir = await prepareTestModelDir("tiny");
    embedder = await loadEmbedder({ modelDir: dir, maxBatchSize: 3 });
  });
  afterAll(async () => {
    await embedder?.close();
    if (dir) await removeTestModelDir(dir);
  });

  it("returns one 384-dimensional unit vector per text", async () => {
    expect(embedder.dimensions).toBe(384);
    const vectors = await embedder.embed(TEXTS);
    expect(vectors).toHaveLength(TEXTS.length);
    for (const v of vectors) {
      expect(v).toBeInstanceOf(Float32Array);
      expect(v).toHaveLength(384);
      expect(Math.abs(Math.hypot(...v) - 1)).toBeLessThan(1e-5);
    }
  });

  it("ranks a text sharing words with the query above texts sharing none", async () => {
    const [query, sharing, unrelated, alsoUnrelated] = await embedder.embed([
      "reset my password",
      "Password reset instructions are sent by email.",
      "The stadium was full for the football final.",
      "The weather is lovely today.",
    ]);
    const close = cosine(query!, sharing!);
    expect(close).toBeGreaterThan(cosine(query!, unrelated!) + 0.1);
    expect(close).toBeGreaterThan(cosine(query!, alsoUnrelated!) + 0.1);
    const [stadium1, stadium2, weather] = await embedder.embed([
      "He drove to the stadium.",
      "The stadium was full.",
      "It's so sunny outside!",
    ]);
    expect(cosine(stadium1!, stadium2!)).toBeGreaterThan(cosine(stadium1!, weather!));
  });

  it("gives the same vectors in batches, one by one, and concurrently", async () => {
    const together = await embedder.embed(TEXTS);
    const oneByOne = [];
    for (const text of TEXTS) oneByOne.push((await embedder.embed([text]))[0]!);
    const concurrent = (await Promise.all(TEXTS.map((text) => embedder.embed([text])))).map((r) => r[0]!);
    for (let i = 0; i < TEXTS.length; i++) {
      expect(Array.from(together[i]!)).toEqual(Array.from(oneByOne[i]!));
      expect(Array.from(concurrent[i]!)).toEqual(Array.from(oneByOne[i]!));
    }
  });

  it("truncates long texts to the 256-token window", async () => {
    const [long, window, shorter] = await embedder.embed([
      `stadium ${"football ".repeat(2000)}`,
      `stadium ${"football ".repeat(253)}`,
      `stadium ${"football ".repeat(100)}`,
    ]);
    expect(Array.from(long!)).toEqual(Array.from(window!));
    expect(Array.from(long!)).not.toEqual(Array.from(shorter!));
  });

  it("throws ModelUnavailableError naming model.onnx when only the tokenizer is there", async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), "ltst-no-model-"));
    try {
      await copySharedFiles(empty);
      const error = await loadEmbedder({ modelDir: empty }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ModelUnavailableError);
      expect((error as ModelUnavailableError).missing).toEqual(["model.onnx"]);
      expect((error as Error).message).toMatch(/model\.onnx \(or model_quantized\.onnx\) is missing from .*npm run model:fetch/);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
  });
});

describe("loadEmbedder without a model directory", () => {
  it("throws ModelUnavailableError naming both files", async () => {
    const error = await loadEmbedder({ modelDir: path.join(os.tmpdir(), "ltst-definitely-missing-model") }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).missing).toEqual(["model.onnx", "tokenizer.json"]);
    expect((error as Error).message).toContain("ltst model fetch");
  });
});
