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
    // Reference counts for this test and the next from js-tiktoken, an
    // independent port of tiktoken (encode with no special tokens allowed).
    expect(countTokens("<|endoftext|>")).toBe(7);
    expect(countTokens("<|im_start|>user", "o200k_base")).toBe(7);
  });

  it("counts Unicode and long text like tiktoken", () => {
    expect(countTokens("日本語のテキスト")).toBe(8);
    expect(countTokens("a".repeat(300))).toBe(38);
  });
});
