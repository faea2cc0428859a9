import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toyTokenizerJson } from "../../test/embedding/fixtures/toyTokenizerJson.js";
import { buildTinyModel } from "../../test/fixtures/onnx/buildTinyModel.js";
import { loadEmbedder } from "./loadEmbedder.js";
import { ModelUnavailableError } from "./ModelUnavailableError.js";

/** Unit tests with the tiny model and a toy tokenizer (the real tokenizer is covered in test/embedding). */
describe("loadEmbedder", () => {
  let root: string;
  const dir = (name: string) => path.join(root, name);

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "ltst-load-embedder-"));
    const tokenizer = JSON.stringify(toyTokenizerJson());
    await buildTinyModel(dir("ok"));
    await writeFile(path.join(dir("ok"), "tokenizer.json"), tokenizer);
    await mkdir(dir("quantized"));
    await copyFile(path.join(dir("ok"), "model.onnx"), path.join(dir("quantized"), "model_quantized.onnx"));
    await writeFile(path.join(dir("quantized"), "tokenizer.json"), tokenizer);
    await buildTinyModel(dir("no-tokenizer"));
    await mkdir(dir("no-model"));
    await writeFile(path.join(dir("no-model"), "tokenizer.json"), tokenizer);
    await buildTinyModel(dir("wide"), { hiddenSize: 768 });
    await writeFile(path.join(dir("wide"), "tokenizer.json"), tokenizer);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("loads model.onnx and tokenizer.json and embeds into unit vectors", async () => {
    const embedder = await loadEmbedder({ modelDir: dir("ok"), intraOpThreads: 1, maxBatchSize: 2 });
    try {
      expect(embedder.modelName).toBe("sentence-transformers/all-MiniLM-L6-v2");
      expect(embedder.dimensions).toBe(384);
      const vectors = await embedder.embed(["hello world", "cat", "dog dog", "hello"]);
      expect(vectors).toHaveLength(4);
      for (const v of vectors) {
        expect(v).toBeInstanceOf(Float32Array);
        expect(v).toHaveLength(384);
        expect(Math.hypot(...v)).toBeCloseTo(1, 5);
      }
    } finally {
      await embedder.close();
    }
  });

  it("falls back to model_quantized.onnx", async () => {
    const embedder = await loadEmbedder({ modelDir: dir("quantized") });
    await embedder.close();
  });

  it.each([
    ["no-tokenizer", ["tokenizer.json"]],
    ["no-model", ["model.onnx"]],
    ["does-not-exist", ["model.onnx", "tokenizer.json"]],
  ])("throws ModelUnavailableError for %s, naming %j and the fetch command", async (name, missing) => {
    const error = await loadEmbedder({ modelDir: dir(name) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).missing).toEqual(missing);
    expect((error as Error).message).toContain("npm run model:fetch");
  });

  it("rejects a model with the wrong embedding width when loading", async () => {
    await expect(loadEmbedder({ modelDir: dir("wide") })).rejects.toThrow(/768-dimensional token vectors/);
  });

  it("rejects bad settings", async () => {
    await expect(loadEmbedder({ modelDir: dir("ok"), maxBatchSize: 0 })).rejects.toThrow(RangeError);
    await expect(loadEmbedder({ modelDir: dir("ok"), intraOpThreads: -2 })).rejects.toThrow(RangeError);
  });
});
