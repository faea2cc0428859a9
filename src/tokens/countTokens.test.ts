import { describe, expect, it } from "vitest";
import { countTokens } from "./countTokens.js";

describe("countTokens", () => {
  it("counts with cl100k_base and o200k_base", () => {
    expect(countTokens("")).toBe(0);
    // Reference counts from OpenAI's tiktoken.
    expect(countTokens("hello world")).toBe(2);
    expect(countTokens("hello world", "o200k_base")).toBe(2);
    expect(countTokens("tiktoken is great!")).toBe(6);
  });

  it("treats special-token text as plain text", () => {
    expect(countTokens("<|endoftext|>")).toBeGreaterThan(1);
  });
});
