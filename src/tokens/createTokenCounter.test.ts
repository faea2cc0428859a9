import { afterAll, describe, expect, it } from "vitest";
import { countTokens } from "./countTokens.js";
import { createTokenCounter } from "./createTokenCounter.js";

const texts = [
  "hello world",
  "日本語のテキスト 👩‍👩‍👧‍👦",
  "<|endoftext|> is plain text here",
  "x".repeat(40_000),
  Array.from({ length: 20_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join(""),
  // Lone surrogates: counted in the worker as on the main thread.
  "\ud800x\udc00".repeat(3_000),
];

describe("createTokenCounter", () => {
  const counter = createTokenCounter({ maxThreads: 1 });
  afterAll(() => counter.close());

  it("counts small batches inline and large ones in a worker, the same as countTokens", async () => {
    for (const encoding of ["cl100k_base", "o200k_base"] as const) {
      const expected = texts.map((text) => countTokens(text, encoding));
      // Small: under the inline limit.
      expect(await counter.count(texts.slice(0, 3), encoding)).toEqual(expected.slice(0, 3));
      // Large: over it, so counted by a worker thread.
      expect(await counter.count(texts, encoding)).toEqual(expected);
    }
    expect(await counter.count([], "cl100k_base")).toEqual([]);
  });

  it("rejects with the signal's reason, before and while a worker counts, and keeps working", async () => {
    const reason = new Error("call cancelled");
    const before = new AbortController();
    before.abort(reason);
    await expect(counter.count(texts, "cl100k_base", before.signal)).rejects.toBe(reason);
    await expect(counter.count(["small"], "cl100k_base", before.signal)).rejects.toBe(reason);

    const during = new AbortController();
    const counting = counter.count(["a".repeat(4_000_000)], "cl100k_base", during.signal);
    during.abort(reason);
    await expect(counting).rejects.toBe(reason);

    expect(await counter.count(texts, "o200k_base")).toEqual(texts.map((text) => countTokens(text, "o200k_base")));
  });

  it("rejects counts once closed, including one still running", async () => {
    const own = createTokenCounter({ maxThreads: 1 });
    expect(await own.count(texts, "cl100k_base")).toEqual(texts.map((text) => countTokens(text)));
    const running = own.count(["b".repeat(4_000_000)], "cl100k_base");
    const closing = own.close();
    await expect(running).rejects.toThrow();
    await closing;
    await expect(own.count(["hello"], "cl100k_base")).rejects.toThrow(/closed/);
    await own.close();
  });
});
