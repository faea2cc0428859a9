import type { CommonQueryMethods } from "slonik";
import { describe, expect, it } from "vitest";
import { LEXEME_STATISTICS_MAX_AGE_MS, LexemeStatistics } from "./LexemeStatistics.js";

/** A connection whose table was analysed `version.current` times, with `frequencies` as its statistics. */
function fakeConnection(version: { current: string | null }, frequencies: { current: { lexeme: string; estimated_messages: number }[] }) {
  const reads = { lexemes: 0, frequencies: 0 };
  const connection = {
    one: async () => {
      reads.lexemes++;
      return { lexemes: ["volcano", "hike"], statistics_version: version.current };
    },
    any: async () => {
      reads.frequencies++;
      return frequencies.current;
    },
  } as unknown as CommonQueryMethods;
  return { connection, reads };
}

describe("LexemeStatistics", () => {
  it("reads the statistics once, and again only after the table was analysed again", async () => {
    const version = { current: "1" as string | null };
    const frequencies = { current: [{ lexeme: "volcano", estimated_messages: 900 }] };
    const { connection, reads } = fakeConnection(version, frequencies);
    const statistics = new LexemeStatistics();
    expect(await statistics.lexemesOf(connection, "volcano hike")).toEqual([
      { lexeme: "volcano", estimatedMessages: 900 },
      { lexeme: "hike", estimatedMessages: null },
    ]);
    await statistics.lexemesOf(connection, "volcano hike");
    expect(reads).toEqual({ lexemes: 2, frequencies: 1 });

    version.current = "2";
    frequencies.current = [{ lexeme: "hike", estimated_messages: 40 }];
    expect(await statistics.lexemesOf(connection, "volcano hike")).toEqual([
      { lexeme: "volcano", estimatedMessages: null },
      { lexeme: "hike", estimatedMessages: 40 },
    ]);
    expect(reads).toEqual({ lexemes: 3, frequencies: 2 });
  });

  it("reads them again after LEXEME_STATISTICS_MAX_AGE_MS when the server keeps no ANALYZE count", async () => {
    const version = { current: null as string | null };
    const { connection, reads } = fakeConnection(version, { current: [] });
    let now = 0;
    const statistics = new LexemeStatistics(() => now);
    await statistics.lexemesOf(connection, "volcano");
    now = LEXEME_STATISTICS_MAX_AGE_MS;
    await statistics.lexemesOf(connection, "volcano");
    expect(reads.frequencies).toBe(1);
    now = LEXEME_STATISTICS_MAX_AGE_MS + 1;
    await statistics.lexemesOf(connection, "volcano");
    expect(reads.frequencies).toBe(2);
  });

  it("shares one read among concurrent searches, and one's failure is not the others'", async () => {
    const version = { current: "1" as string | null };
    const { connection, reads } = fakeConnection(version, { current: [{ lexeme: "volcano", estimated_messages: 7 }] });
    const statistics = new LexemeStatistics();
    const all = await Promise.all([1, 2, 3].map(() => statistics.lexemesOf(connection, "volcano")));
    expect(reads.frequencies).toBe(1);
    for (const lexemes of all) expect(lexemes[0]).toEqual({ lexeme: "volcano", estimatedMessages: 7 });

    version.current = "2";
    let fail: ((error: Error) => void) | null = null;
    const failing = {
      one: connection.one,
      any: () => new Promise((_resolve, reject) => (fail = reject)),
    } as unknown as CommonQueryMethods;
    const first = statistics.lexemesOf(failing, "volcano");
    await new Promise((resolve) => setImmediate(resolve));
    const second = statistics.lexemesOf(connection, "volcano");
    await new Promise((resolve) => setImmediate(resolve));
    fail!(new Error("canceling statement due to user request"));
    await expect(first).rejects.toThrow("canceling statement");
    // The second search goes on with the statistics it held.
    expect((await second)[0]).toEqual({ lexeme: "volcano", estimatedMessages: 7 });
  });
});
