import { describe, expect, it } from "vitest";
import { importProgress } from "./importProgress.js";

describe("importProgress", () => {
  it("draws one line per phase on a TTY, with the rate, and nothing elsewhere", () => {
    let clock = 0;
    const written: string[] = [];
    const tty = importProgress({ isTTY: true, columns: 100, write: (text: string) => written.push(text) > 0 }, () => clock);
    tty.update({ phase: "messages", done: 0, total: 1000 });
    clock = 2000;
    tty.update({ phase: "messages", done: 500, total: 1000 });
    clock = 2050; // within 100 ms of the last draw: skipped
    tty.update({ phase: "messages", done: 600, total: 1000 });
    tty.update({ phase: "summaries", done: 0, total: null });
    tty.done();
    expect(written[1]).toMatch(/^\rmessages \[#+-+\] 500\/1000 rows, 250\/s/);
    expect(written).toHaveLength(5);
    expect(written.at(-1)).toBe("\n");

    const plain: string[] = [];
    const pipe = importProgress({ isTTY: false, write: (text: string) => plain.push(text) > 0 });
    pipe.update({ phase: "messages", done: 1, total: 2 });
    pipe.done();
    expect(plain).toEqual([]);
  });
});
