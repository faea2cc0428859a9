import { describe, expect, it } from "vitest";
import { takePage } from "./takePage.js";

const sized = (maxBytes: number) => ({ maxBytes, sizeOf: (item: { size: number }) => item.size });
const items = (...sizes: number[]) => sizes.map((size, id) => ({ id, size }));

describe("takePage", () => {
  it("without a byte budget: the first pageSize rows, and whether the extra row was read", () => {
    expect(takePage([1, 2, 3], 2)).toEqual({ page: [1, 2], more: true });
    expect(takePage([1, 2], 2)).toEqual({ page: [1, 2], more: false });
    expect(takePage([], 2)).toEqual({ page: [], more: false });
  });

  it("stops before the row that would exceed the byte budget, and says more follow", () => {
    const rows = items(40, 40, 40, 40);
    expect(takePage(rows, 10, sized(100))).toEqual({ page: rows.slice(0, 2), more: true });
    expect(takePage(rows, 10, sized(120))).toEqual({ page: rows.slice(0, 3), more: true });
    expect(takePage(rows, 10, sized(160))).toEqual({ page: rows, more: false });
    // The row limit still applies within the budget.
    expect(takePage(rows, 1, sized(1000))).toEqual({ page: rows.slice(0, 1), more: true });
  });

  it("always keeps one row, even when it alone exceeds the budget, so paging progresses", () => {
    const rows = items(500, 10);
    expect(takePage(rows, 10, sized(100))).toEqual({ page: rows.slice(0, 1), more: true });
  });

  it("measures only the rows it may keep", () => {
    const measured: number[] = [];
    takePage(items(10, 10, 10, 10), 2, { maxBytes: 1000, sizeOf: (item) => (measured.push(item.id), item.size) });
    expect(measured).toEqual([0, 1]);
  });

  it("newest: keeps the end of the rows that fits, in the order given", () => {
    const rows = items(40, 40, 40, 40);
    expect(takePage(rows, 10, sized(100), { newest: true })).toEqual({ page: rows.slice(2), more: true });
    expect(takePage(rows, 10, sized(1000), { newest: true })).toEqual({ page: rows, more: false });
    expect(takePage(items(10, 500), 10, sized(100), { newest: true })).toEqual({ page: items(10, 500).slice(1), more: true });
  });
});
