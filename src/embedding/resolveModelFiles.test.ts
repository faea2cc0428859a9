import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ModelUnavailableError } from "./ModelUnavailableError.js";
import { resolveModelFiles } from "./resolveModelFiles.js";

describe("resolveModelFiles", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "ltst-resolve-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const touch = async (name: string) => {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), "x");
  };

  it("finds model.onnx, tokenizer.json and tokenizer_config.json", async () => {
    await Promise.all([touch("model.onnx"), touch("model_quantized.onnx"), touch("tokenizer.json"), touch("tokenizer_config.json")]);
    expect(await resolveModelFiles(dir)).toEqual({
      modelDir: dir,
      modelPath: path.join(dir, "model.onnx"),
      tokenizerPath: path.join(dir, "tokenizer.json"),
      tokenizerConfigPath: path.join(dir, "tokenizer_config.json"),
    });
  });

  it("falls back to model_quantized.onnx, then to the onnx/ subdirectory", async () => {
    await Promise.all([touch("onnx/model.onnx"), touch("tokenizer.json")]);
    expect((await resolveModelFiles(dir)).modelPath).toBe(path.join(dir, "onnx", "model.onnx"));
    await touch("model_quantized.onnx");
    const files = await resolveModelFiles(dir);
    expect(files.modelPath).toBe(path.join(dir, "model_quantized.onnx"));
    expect(files.tokenizerConfigPath).toBeNull();
  });

  it("resolves a relative directory", async () => {
    await Promise.all([touch("model.onnx"), touch("tokenizer.json")]);
    const relative = path.relative(process.cwd(), dir);
    expect((await resolveModelFiles(relative)).modelDir).toBe(dir);
  });

  it.each([
    [[], ["model.onnx", "tokenizer.json"]],
    [["tokenizer.json"], ["model.onnx"]],
    [["model.onnx"], ["tokenizer.json"]],
  ])("with %j present, reports %j missing", async (present, missing) => {
    await Promise.all(present.map(touch));
    const error = await resolveModelFiles(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).missing).toEqual(missing);
    expect((error as ModelUnavailableError).message).toContain(dir);
  });

  it("reports both files missing when the directory does not exist", async () => {
    const error = await resolveModelFiles(path.join(dir, "nope")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelUnavailableError);
    expect((error as ModelUnavailableError).missing).toEqual(["model.onnx", "tokenizer.json"]);
  });

  it("does not take a directory named model.onnx for the model", async () => {
    await Promise.all([mkdir(path.join(dir, "model.onnx")), touch("tokenizer.json")]);
    await expect(resolveModelFiles(dir)).rejects.toBeInstanceOf(ModelUnavailableError);
  });
});
