import { describe, expect, it } from "vitest";
import { chooseSearchTerms, MAX_COMMON_SEARCH_TERMS, MAX_RANKED_CANDIDATES, MAX_SEARCH_TERMS } from "./chooseSearchTerms.js";

const lexeme = (name: string, estimated: number | null) => ({ lexeme: name, estimatedMessages: estimated });

describe("chooseSearchTerms", () => {
  it("keeps every word of a short query on a small table (nothing is common there)", () => {
    expect(chooseSearchTerms([lexeme("volcano", 8), lexeme("hike", 5), lexeme("iceland", null)])).toEqual(["iceland", "hike", "volcano"]);
  });

  it("leaves out the words found in more messages than are ranked, while rarer ones exist", () => {
    const terms = chooseSearchTerms([
      lexeme("budget", 67_000),
      lexeme("code", null),
      lexeme("also", 51_000),
      lexeme("storag", null),
      lexeme("lake", MAX_RANKED_CANDIDATES + 1),
      lexeme("bike", 3),
    ]);
    expect(terms).toEqual(["storag", "code", "bike"]);
  });

  it("keeps the least common words of a query of only common words, at most MAX_COMMON_SEARCH_TERMS", () => {
    expect(chooseSearchTerms([lexeme("budget", 67_000), lexeme("also", 51_000), lexeme("lake", 900)])).toEqual(["lake", "also", "budget"]);
    const common = Array.from({ length: 20 }, (_, i) => lexeme(`c${i}`, 1_000 + i));
    expect(chooseSearchTerms(common)).toEqual(common.slice(0, MAX_COMMON_SEARCH_TERMS).map((l) => l.lexeme));
  });

  it("keeps at most MAX_SEARCH_TERMS, rarest first, then longest, then alphabetical; duplicates once", () => {
    const many = Array.from({ length: 40 }, (_, i) => lexeme(`w${String(i).padStart(2, "0")}`, i % 2 === 0 ? null : i));
    const terms = chooseSearchTerms([...many, lexeme("w00", null), lexeme("longerword", null)]);
    expect(terms).toHaveLength(MAX_SEARCH_TERMS);
    expect(terms.slice(0, 3)).toEqual(["longerword", "w00", "w02"]);
    expect(new Set(terms).size).toBe(terms.length);
  });

  it("counts a word as common against the candidates ranked, which a larger top_k raises", () => {
    const lexemes = [lexeme("volcano", 90), lexeme("iceland", 3)];
    expect(chooseSearchTerms(lexemes)).toEqual(["iceland"]);
    expect(chooseSearchTerms(lexemes, 100)).toEqual(["iceland", "volcano"]);
  });

  it("returns nothing for a query without lexemes (only stop words)", () => {
    expect(chooseSearchTerms([])).toEqual([]);
  });
});
