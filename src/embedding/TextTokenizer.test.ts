import { describe, expect, it } from "vitest";
import { toyTokenizerJson } from "../../test/embedding/fixtures/toyTokenizerJson.js";
import { TextTokenizer } from "./TextTokenizer.js";

const big = (xs: number[]) => BigInt64Array.from(xs, BigInt);

describe("TextTokenizer", () => {
  it("adds [CLS]/[SEP], lower-cases and splits word pieces; ignores the file's truncation", () => {
    const tokenizer = new TextTokenizer(toyTokenizerJson(), {});
    expect(tokenizer.encode("Hello cats and DOGS.")).toEqual({
      ids: [2, 4, 6, 9, 1, 7, 9, 8, 3],
      typeIds: [0, 0, 0, 0, 0, 0, 0, 0, 0],
    });
    expect(tokenizer.encode("")).toEqual({ ids: [2, 3], typeIds: [0, 0] });
  });

  it("defaults to a 256-token window", () => {
    const tokenizer = new TextTokenizer(toyTokenizerJson(), {});
    expect(tokenizer.maxLength).toBe(256);
    const ids = tokenizer.encode("cat ".repeat(300)).ids;
    expect(ids).toHaveLength(256);
    expect(ids[0]).toBe(2);
    expect(ids.slice(1, 255).every((id) => id === 6)).toBe(true);
    expect(ids[255]).toBe(3);
  });

  it("truncates content tokens, keeping [SEP] last", () => {
    const tokenizer = new TextTokenizer(toyTokenizerJson(), {}, { maxLength: 5 });
    expect(tokenizer.encode("hello world cat dog").ids).toEqual([2, 4, 5, 6, 3]);
    expect(tokenizer.encode("hello world cat").ids).toEqual([2, 4, 5, 6, 3]);
    expect(tokenizer.encode("hello cats").ids).toEqual([2, 4, 6, 9, 3]);
    expect(tokenizer.encode("hello").ids).toEqual([2, 4, 3]);
  });

  it("gives the same tokens for very long texts as tokenising them whole", () => {
    const maxLength = 8;
    const tokenizer = new TextTokenizer(toyTokenizerJson(), {}, { maxLength });
    // Texts far longer than maxLength * 16 characters, with long runs of
    // spaces, newlines and a word longer than max_input_chars_per_word.
    const texts = [
      "hello world ".repeat(100),
      `${" ".repeat(500)}cat${"\n".repeat(300)}dog ${"x".repeat(150)} hello`,
      `${"cats".repeat(60)} dog`,
      "dog.".repeat(500),
      `hello ${" ".repeat(5000)} world`,
    ];
    for (const text of texts) {
      const expected = tokenizer["truncate"](tokenizer["encodeWhole"](text));
      expect(tokenizer.encode(text)).toEqual(expected);
    }
  });

  it("pads a batch to its longest text with the pad id", () => {
    const tokenizer = new TextTokenizer(toyTokenizerJson(), {});
    const batch = tokenizer.encodeBatch(["hello world", "cat", "dogs dogs dogs"]);
    expect(batch.batchSize).toBe(3);
    expect(batch.sequenceLength).toBe(8);
    expect(batch.inputIds).toEqual(big([2, 4, 5, 3, 0, 0, 0, 0, 2, 6, 3, 0, 0, 0, 0, 0, 2, 7, 9, 7, 9, 7, 9, 3]));
    expect(batch.attentionMask).toEqual(big([1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]));
    expect(batch.tokenTypeIds).toEqual(new BigInt64Array(24));
  });

  it("takes the pad id from the tokenizer when the file has no padding section", () => {
    const json = toyTokenizerJson({ padding: null });
    const vocab = (json["model"] as { vocab: Record<string, number> }).vocab;
    vocab["[PAD]"] = 11;
    vocab["hello"] = 0;
    (json["added_tokens"] as { id: number }[])[0]!.id = 11;
    expect(new TextTokenizer(json, { pad_token: "[PAD]" }).padId).toBe(11);
  });

  it("rejects windows too small for the special tokens, and non-strings", () => {
    expect(() => new TextTokenizer(toyTokenizerJson(), {}, { maxLength: 2 })).toThrow(RangeError);
    expect(() => new TextTokenizer(toyTokenizerJson(), {}, { maxLength: 3.5 })).toThrow(RangeError);
    const tokenizer = new TextTokenizer(toyTokenizerJson(), {});
    expect(() => tokenizer.encode(42 as unknown as string)).toThrow(TypeError);
  });
});
