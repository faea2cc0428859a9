import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidArgumentError } from "../errors.js";
import { indexField } from "./cursorFields.js";
import { definePageCursor } from "./definePageCursor.js";
import { keysetPage } from "./keysetPage.js";

const cursor = definePageCursor("numbers", z.object({ i: indexField }));
const all = Array.from({ length: 7 }, (_, i) => ({ i, size: 10 }));

/** Reads like a keyset query: rows strictly after the cursor, at most `limit`. */
const reads: { after: number | null; limit: number }[] = [];
const read = async (after: { i: number } | null, limit: number) => {
  reads.push({ after: after?.i ?? null, limit });
  return all.filter((row) => after === null || row.i > after.i).slice(0, limit);
};

async function listAll(pageSize: number, maxBytes?: number): Promise<number[][]> {
  const pages: number[][] = [];
  let pageToken = "";
  do {
    const bytes = maxBytes === undefined ? undefined : { maxBytes, sizeOf: (row: { i: number; size: number }) => row.size };
    const { page, nextPageToken } = await keysetPage({ cursor, filters: ["u"], pageToken, pageSize, pageBytes: bytes }, read, (row) => ({ i: row.i }));
    pages.push(page.map((row) => row.i));
    pageToken = nextPageToken;
  } while (pageToken !== "");
  return pages;
}

describe("keysetPage", () => {
  it("pages through every row once, reading pageSize + 1 after the cursor, with no token after the last page", async () => {
    reads.length = 0;
    expect(await listAll(3)).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(reads).toEqual([
      { after: null, limit: 4 },
      { after: 2, limit: 4 },
      { after: 5, limit: 4 },
    ]);
    // Exactly a page's worth left: the extra row is absent, so no empty last page.
    expect(await listAll(7)).toEqual([[0, 1, 2, 3, 4, 5, 6]]);
  });

  it("cuts pages by the byte budget too, continuing after the last row sent", async () => {
    expect(await listAll(10, 25)).toEqual([[0, 1], [2, 3], [4, 5], [6]]);
  });

  it("refuses a bad token before reading anything", async () => {
    reads.length = 0;
    const tokenOfOtherFilters = cursor.encode(["someone else"], { i: 1 });
    await expect(keysetPage({ cursor, filters: ["u"], pageToken: tokenOfOtherFilters, pageSize: 2 }, read, (row) => ({ i: row.i }))).rejects.toBeInstanceOf(
      InvalidArgumentError,
    );
    await expect(
      keysetPage({ cursor, filters: ["u"], pageToken: cursor.encode(["u"], { i: 4 }), pageSize: 2, accept: (c) => c.i < 3 }, read, (row) => ({ i: row.i })),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(reads).toEqual([]);
  });

  it("opens only the rows it may keep, before measuring them", async () => {
    const opened: number[] = [];
    const { page, nextPageToken } = await keysetPage(
      { cursor, filters: ["u"], pageToken: "", pageSize: 2, pageBytes: { maxBytes: 100, sizeOf: (item: { i: number; label: string }) => item.label.length } },
      read,
      (item) => ({ i: item.i }),
      (row) => (opened.push(row.i), { i: row.i, label: `#${row.i}` }),
    );
    expect(page).toEqual([
      { i: 0, label: "#0" },
      { i: 1, label: "#1" },
    ]);
    expect(opened).toEqual([0, 1]);
    expect(cursor.decode(nextPageToken, ["u"])).toEqual({ i: 1 });
  });
});
