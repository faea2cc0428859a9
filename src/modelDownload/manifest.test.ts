import { describe, expect, it } from "vitest";

import { DEFAULT_BASE_URL, defaultManifest } from "./manifest.js";

describe("default manifest", () => {
  it("pins every file of the fp32 variant, weights last", () => {
    const files = defaultManifest(false);
    expect(files.map((f) => [f.remotePath, f.localName])).toEqual([
      ["tokenizer.json", "tokenizer.json"],
      ["config.json", "config.json"],
      ["onnx/model.onnx", "model.onnx"],
    ]);
    for (const file of files) {
      expect(file.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(file.sizeBytes).toBeGreaterThan(0);
    }
    expect(DEFAULT_BASE_URL).toMatch(/^https:\/\/huggingface\.co\/sentence-transformers\/all-MiniLM-L6-v2\/resolve\/[0-9a-f]{40}$/);
  });

  it("pins every file of the int8 variant, saved as model_quantized.onnx", () => {
    const files = defaultManifest(true);
    expect(files.map((f) => [f.remotePath, f.localName])).toEqual([
      ["tokenizer.json", "tokenizer.json"],
      ["config.json", "config.json"],
      ["onnx/model_quantized.onnx", "model_quantized.onnx"],
    ]);
    expect(files.every((f) => f.sha256 !== undefined && f.sizeBytes !== undefined)).toBe(true);
  });
});
