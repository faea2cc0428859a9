import { afterAll, describe, expect, it } from "vitest";
import { countTokens, countTokensEach, forgetTokenCounts, TokenCountCache } from "./countTokens.js";
import { createTokenCounter } from "./createTokenCounter.js";

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

describe("TokenCountCache", () => {
  it("returns the same counts as countTokens, per encoding", () => {
    const cache = new TokenCountCache(1_000);
    for (const text of ["hello world", "日本語のテキスト", "hello world"]) {
      expect(cache.count(text, "cl100k_base")).toBe(countTokens(text, "cl100k_base"));
      expect(cache.count(text, "o200k_base")).toBe(countTokens(text, "o200k_base"));
    }
    expect(cache.size).toBe(4);
  });

  it("keeps at most its character bound, dropping the least recently used first", () => {
    const cache = new TokenCountCache(70);
    const a = "a".repeat(20);
    const b = "b".repeat(20);
    const c = "c".repeat(20);
    cache.count(a, "cl100k_base");
    cache.count(b, "cl100k_base");
    cache.count(a, "cl100k_base"); // a is now the most recent
    cache.count(c, "cl100k_base"); // over 70 characters with the keys' prefixes: b goes
    expect(cache.size).toBe(2);
    expect(cache.count(a, "cl100k_base")).toBe(countTokens(a));
    // A text longer than the bound is counted, not kept.
    expect(cache.count("x".repeat(100), "cl100k_base")).toBe(countTokens("x".repeat(100)));
    expect(cache.size).toBeLessThanOrEqual(2);
  });
});

describe("countTokensEach", () => {
  const texts = ["hello world", "z".repeat(30_000), "日本語のテキスト", "abcdefghij".repeat(3_000), "hello world"];
  const counter = createTokenCounter({ maxThreads: 1 });
  afterAll(() => counter.close());

  it("counts inline, and long texts through a TokenCounter, the same; the cache remembers both", async () => {
    const expected = texts.map((text) => countTokens(text, "o200k_base"));
    expect(await countTokensEach(texts, "o200k_base", undefined, new TokenCountCache(1_000_000))).toEqual(expected);
    const cache = new TokenCountCache(1_000_000);
    expect(await countTokensEach(texts, "o200k_base", undefined, cache, counter)).toEqual(expected);
    expect(cache.size).toBe(4);
    expect(cache.cached(texts[1]!, "o200k_base")).toBe(expected[1]);
    // Known long texts are not sent again: counted from the cache, even with a closed counter.
    const closed = createTokenCounter({ maxThreads: 1 });
    await closed.close();
    expect(await countTokensEach(texts, "o200k_base", undefined, cache, closed)).toEqual(expected);
  });

  it("stops with the signal's reason", async () => {
    const reason = new Error("call cancelled");
    const controller = new AbortController();
    controller.abort(reason);
    await expect(countTokensEach(texts, "cl100k_base", controller.signal, new TokenCountCache(1_000_000), counter)).rejects.toBe(reason);
  });
});

describe("TokenCountCache.clear and forgetTokenCounts", () => {
  it("forget every remembered text (an erasure must leave none in memory)", async () => {
    const cache = new TokenCountCache(1_000_000);
    cache.count("a secret the user said", "cl100k_base");
    expect(cache.size).toBe(1);
    cache.clear();
    expect(cache.size).toBe(0);
    expect(cache.cached("a secret the user said", "cl100k_base")).toBeUndefined();
    // The shared cache: counts still come out right after it is emptied.
    const [before] = await countTokensEach(["hello world"], "cl100k_base");
    forgetTokenCounts();
    expect(await countTokensEach(["hello world"], "cl100k_base")).toEqual([before]);
  });
});
