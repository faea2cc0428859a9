import { describe, expect, it } from "vitest";
import { ModelUnavailableError } from "./ModelUnavailableError.js";

describe("ModelUnavailableError", () => {
  it("names the missing files, the directory and the fix", () => {
    const error = new ModelUnavailableError("/models/minilm", ["model.onnx", "tokenizer.json"]);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("ModelUnavailableError");
    expect(error.missing).toEqual(["model.onnx", "tokenizer.json"]);
    expect(error.modelDir).toBe("/models/minilm");
    expect(error.message).toContain("model.onnx (or model_quantized.onnx) and tokenizer.json are missing from /models/minilm");
    expect(error.message).toContain("npm run model:fetch");
    expect(error.message).toContain("ltst model fetch");
  });

  it("uses the singular for one file", () => {
    expect(new ModelUnavailableError("/m", ["tokenizer.json"]).message).toContain("tokenizer.json is missing from /m");
  });
});
