import { describe, expect, it } from "vitest";
import { codePointLength } from "./codePointLength.js";

describe("codePointLength", () => {
  it("equals [...text].length on astral characters, pairs, lone surrogates and plain text", () => {
    const texts = ["", "a", "héllo", "😀", "a😀b", "\uD83D", "\uDE00", "\uDE00\uD83D", "\uD83D\uD83D\uDE00", "👩‍👩‍👧‍👦", "x".repeat(1000) + "😀".repeat(100)];
    for (let seed = 0; seed < 200; seed++) {
      let text = "";
      for (let i = 0; i < 20; i++) text += String.fromCharCode((seed * 7919 + i * 104729) % 0x10000);
      texts.push(text);
    }
    for (const text of texts) expect(codePointLength(text), JSON.stringify(text)).toBe([...text].length);
  });
});
