import { countTokens as gptCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as gptO200k } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { linearTokenCount, type EncodingName } from "./linearTokenCount.js";
import { random } from "../../test/support/random.js";

const plainText = { disallowedSpecial: new Set<string>() };
const reference = (text: string, encoding: EncodingName) =>
  encoding === "cl100k_base" ? gptCl100k(text, plainText) : gptO200k(text, plainText);
const encodings: EncodingName[] = ["cl100k_base", "o200k_base"];

const next = random(7);
const randomBytes = (length: number) => Uint8Array.from({ length }, () => Math.floor(next() * 256));
const randomLetters = (length: number) => Array.from({ length }, () => String.fromCharCode(97 + Math.floor(next() * 26))).join("");

/**
 * One long "word" of letters and combining marks from many scripts, with
 * 2-, 3- and 4-byte UTF-8 characters (astral ones are surrogate pairs in
 * JavaScript): the long-piece merge's byte/character bookkeeping.
 */
const multiScriptWord = (length: number) => {
  const ranges: [number, number][] = [
    [0x430, 0x44f], // Cyrillic
    [0x3b1, 0x3c9], // Greek
    [0xe9, 0xff], // Latin-1 letters
    [0x300, 0x36f], // combining marks
    [0x915, 0x939], // Devanagari consonants
    [0x93e, 0x94c], // Devanagari vowel signs (marks)
    [0x4e00, 0x4fff], // CJK
    [0xac00, 0xac7f], // Hangul
    [0x20000, 0x2007f], // CJK extension B (astral)
    [0x1d400, 0x1d44f], // mathematical letters (astral)
  ];
  let text = "";
  while (text.length < length) {
    const [from, to] = ranges[Math.floor(next() * ranges.length)]!;
    text += String.fromCodePoint(from + Math.floor(next() * (to - from + 1)));
  }
  return text;
};

const corpus: Record<string, string> = {
  prose:
    "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness. " +
    "Don't, won't, I'm, you're, we've, they'll, she'd; DON'T SHOUT. Mr. O'Neil's café—naïve coöperation—costs $3.50 (about €3).",
  code: 'export function add(a: number, b: number): number {\n\treturn a + b; // sum\n}\n\nconst xs = [1, 2, 3].map((x) => x ** 2);\nif (xs.length >= 3 && !done) { console.log(`${xs}`); }\n#include <stdio.h>\nint main(void){printf("%d\\n", 42);}\n',
  languages:
    "Привет, мир! Ελληνικά κείμενα. שלום עולם. مرحبا بالعالم. नमस्ते दुनिया। こんにちは世界、日本語のテキスト。你好，世界。" +
    "안녕하세요 세계. สวัสดีชาวโลก. გამარჯობა. Բարեւ. ሰላም ዓለም. Xin chào thế giới. Zürich Straße Ærøskøbing ŁÓDŹ İstanbul.",
  emoji: "👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽 🇯🇵🇫🇷 ❤️‍🔥 🧑🏿‍💻 1️⃣ ©️ ™ 😀😃😄😁😆😅🤣😂🙂🙃",
  numbers: "0 1 12 123 1234 12345 123456789012345678901234567890 3.14159 -2.5e-10 1,000,000 ١٢٣ ४५६ ⅷ ½ 0x1F 1_000",
  whitespace: "a  b   c\t\td\n\ne \r\n f\u00a0g\u2003h\u3000i" + " ".repeat(300) + "x" + "\n".repeat(50) + "\t \n ".repeat(40) + "   ",
  specialTokens: "<|endoftext|> <|im_start|>user\nhi<|im_end|><|fim_prefix|><|fim_middle|><|fim_suffix|><|endofprompt|>",
  loneSurrogates: "a\ud800b\udc00c \ud83d x\ude00 " + "\ud800".repeat(100) + "end",
  longWords: "pneumonoultramicroscopicsilicovolcanoconiosis " + "abc".repeat(200) + " " + "ё".repeat(300) + " " + "漢".repeat(300),
  longPunctuation: "!?".repeat(200) + " " + "-".repeat(500) + "\n" + "=".repeat(300) + "\r\n" + "/*".repeat(100) + "\n/\n//",
  multiScriptWord: multiScriptWord(4_000),
  // cl100k_base ends a word at a combining mark: without them, one long word there too.
  multiScriptLetters: multiScriptWord(4_000).replace(/\p{M}/gu, ""),
  lowerUpperRuns: "abcDEFghiJKL".repeat(300) + " " + "ÀÉÎõü".repeat(200),
  randomUtf8: new TextDecoder().decode(randomBytes(8192)),
  randomLatin1: new TextDecoder("latin1").decode(randomBytes(8192)),
};

describe("linearTokenCount", () => {
  for (const encoding of encodings) {
    it(`counts exactly as gpt-tokenizer on a varied corpus (${encoding})`, () => {
      for (const [name, text] of Object.entries(corpus)) {
        expect(linearTokenCount(text, encoding), name).toBe(reference(text, encoding));
      }
      // All together too: pieces meet differently at the seams.
      const all = Object.values(corpus).join("");
      expect(linearTokenCount(all, encoding)).toBe(reference(all, encoding));
    });
  }

  it("counts nothing in an empty text", () => {
    expect(linearTokenCount("", "cl100k_base")).toBe(0);
    expect(linearTokenCount("", "o200k_base")).toBe(0);
  });

  // gpt-tokenizer takes seconds on each of these (which is why this counter
  // exists), so each is compared once.
  const adversarial: Record<string, string> = {
    "one 64 KiB word of random letters": randomLetters(65_536),
    "one 64 KiB repeated letter": "a".repeat(65_536),
    "64 KiB of random bytes as UTF-8": new TextDecoder().decode(randomBytes(65_536)),
    "64 KiB of random bytes as latin1": new TextDecoder("latin1").decode(randomBytes(65_536)),
  };
  for (const encoding of encodings) {
    for (const [name, text] of Object.entries(adversarial)) {
      it(`counts ${name} exactly as gpt-tokenizer (${encoding})`, { timeout: 180_000 }, () => {
        expect(linearTokenCount(text, encoding)).toBe(reference(text, encoding));
      });
    }
  }
});
