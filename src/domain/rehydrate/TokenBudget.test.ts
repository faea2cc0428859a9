import { describe, expect, it } from "vitest";
import { truncateUtf8 } from "./rehydrateSession.js";
import { packRecentWindow, TokenBudget } from "./TokenBudget.js";

describe("TokenBudget", () => {
  it("takes an item only when it fits whole, and records what it leaves out", () => {
    const budget = new TokenBudget(10);
    expect(budget.take("header", 4)).toBe(true);
    expect(budget.take("summary", 7)).toBe(false);
    expect(budget.take("preference", 6)).toBe(true);
    expect(budget.take("preference", 1)).toBe(false);
    expect(budget.take("context_entry", 0)).toBe(true);
    budget.notConsidered("context_entry", 3);
    budget.notConsidered("preference", 0);
    expect(budget.used).toBe(10);
    expect(budget.remaining).toBe(0);
    expect(budget.omitted()).toEqual([
      { kind: "summary", count: 1, tokens: 7, notConsidered: 0 },
      { kind: "preference", count: 1, tokens: 1, notConsidered: 0 },
      { kind: "context_entry", count: 0, tokens: 0, notConsidered: 3 },
    ]);
  });

  it("packs the recent window from the newest back and stops at the first message that does not fit", () => {
    const budget = new TokenBudget(10);
    // Chronological: the newest (3) fits, then 5, then 4 does not: 4 and the older 1 are left out.
    expect(packRecentWindow(budget, [1, 4, 5, 3])).toEqual([false, false, true, true]);
    expect(budget.used).toBe(8);
    expect(budget.omitted()).toEqual([{ kind: "recent_message", count: 2, tokens: 5, notConsidered: 0 }]);
  });

  it("packs nothing when the newest message alone is over the budget", () => {
    const budget = new TokenBudget(2);
    expect(packRecentWindow(budget, [1, 1, 3])).toEqual([false, false, false]);
    expect(budget.used).toBe(0);
  });
});

describe("truncateUtf8", () => {
  it("cuts between code points, within the byte limit", () => {
    expect(truncateUtf8("hello", 10)).toBe("hello");
    expect(truncateUtf8("hello", 3)).toBe("hel");
    expect(truncateUtf8("ééé", 5)).toBe("éé");
    expect(truncateUtf8("a😀b", 4)).toBe("a");
    expect(truncateUtf8("a😀b", 5)).toBe("a😀");
  });
});
