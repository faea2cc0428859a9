import { describe, expect, it } from "vitest";

import type { ModelFile } from "./manifest.js";
import { normalizeManifest } from "./normalizeManifest.js";

const digest = "ab".repeat(32);
const file = (overrides: Partial<ModelFile> = {}): ModelFile => ({ remotePath: "onnx/model.onnx", localName: "model.onnx", ...overrides });

function codeOf(files: ModelFile[]): { code: string; message: string } {
  try {
    normalizeManifest(files);
  } catch (error) {
    return error as { code: string; message: string };
  }
  throw new Error("expected normalizeManifest to throw");
}

describe("normalizeManifest", () => {
  it("returns a copy with lowercase digests and only the known fields", () => {
    const input = [{ ...file({ sha256: digest.toUpperCase(), sizeBytes: 10 }), extra: 1 } as ModelFile, file({ localName: "other" })];
    const result = normalizeManifest(input);
    expect(result).toEqual([
      { remotePath: "onnx/model.onnx", localName: "model.onnx", sha256: digest, sizeBytes: 10 },
      { remotePath: "onnx/model.onnx", localName: "other" },
    ]);
    expect(result[0]).not.toBe(input[0]);
  });

  it("rejects an empty manifest", () => {
    expect(codeOf([])).toMatchObject({ code: "INVALID_OPTIONS", message: "The model manifest lists no files." });
  });

  it("rejects local names that are not plain file names", () => {
    for (const localName of ["", ".", "..", ".partial", "a/b", "../evil", "a\\b", "a\0b"]) {
      expect(codeOf([file({ localName })]), JSON.stringify(localName)).toMatchObject({
        code: "INVALID_OPTIONS",
        message: expect.stringContaining("must be a plain file name"),
      });
    }
  });

  it("rejects duplicate local names", () => {
    expect(codeOf([file(), file({ remotePath: "model.onnx" })]).message).toBe('Duplicate localName "model.onnx" in the manifest.');
  });

  it("rejects remote paths that are absolute or have empty, . or .. segments", () => {
    for (const remotePath of ["", "/model.onnx", "../model.onnx", "onnx/../model.onnx", "onnx//model.onnx", "./model.onnx", "onnx/"]) {
      expect(codeOf([file({ remotePath })]), JSON.stringify(remotePath)).toMatchObject({
        code: "INVALID_OPTIONS",
        message: `Invalid remotePath ${JSON.stringify(remotePath)} for model.onnx.`,
      });
    }
  });

  it("rejects a sha256 that is not 64 hex digits, and a size that is not a non-negative integer", () => {
    expect(codeOf([file({ sha256: "abc" })]).message).toBe('Invalid sha256 for model.onnx: expected 64 hex digits, got "abc".');
    expect(codeOf([file({ sha256: "g".repeat(64) })]).code).toBe("INVALID_OPTIONS");
    for (const sizeBytes of [-1, 1.5, Number.NaN, Number.MAX_SAFE_INTEGER + 1]) {
      expect(codeOf([file({ sizeBytes })]).message).toBe(`Invalid sizeBytes for model.onnx: ${String(sizeBytes)}.`);
    }
    expect(normalizeManifest([file({ sizeBytes: 0 })])[0]!.sizeBytes).toBe(0);
  });
});
