import { describe, expect, it } from "vitest";

import { joinUrl } from "./joinUrl.js";

describe("joinUrl", () => {
  it("joins with one slash whatever the base ends with", () => {
    expect(joinUrl("http://h/repo", "onnx/model.onnx")).toBe("http://h/repo/onnx/model.onnx");
    expect(joinUrl("http://h/repo//", "tokenizer.json")).toBe("http://h/repo/tokenizer.json");
  });

  it("percent-encodes each segment but keeps the slashes between them", () => {
    expect(joinUrl("http://h/r", "a dir/x?y#z.onnx")).toBe("http://h/r/a%20dir/x%3Fy%23z.onnx");
  });
});
