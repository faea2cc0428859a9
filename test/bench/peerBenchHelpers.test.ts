import { describe, expect, it } from "vitest";
import { historyAnomalies } from "../../bench/concurrency/historyAnomalies.js";
import { chatText } from "../../bench/peers/chatText.js";
import { processCpuMs } from "../../bench/peers/processCpuMs.js";

describe("peer benchmark helpers", () => {
  it("chatText is deterministic, 20 to 400 words, and varied", () => {
    const texts = Array.from({ length: 500 }, (_, n) => chatText(n));
    expect(Array.from({ length: 500 }, (_, n) => chatText(n))).toEqual(texts);
    const words = texts.map((t) => t.split(" ").length);
    expect(Math.min(...words)).toBeGreaterThanOrEqual(20);
    expect(Math.max(...words)).toBeLessThanOrEqual(400);
    expect(Math.max(...words)).toBeGreaterThan(200);
    expect(new Set(texts).size).toBe(500);
    expect(chatText(4, "user")).not.toBe(chatText(4, "assistant"));
  });

  it.skipIf(process.platform !== "linux")("processCpuMs reads this process's CPU from /proc, and 0 for a process that is not there", () => {
    const started = processCpuMs(process.pid);
    const until = performance.now() + 50;
    while (performance.now() < until) Math.sqrt(Math.random());
    expect(processCpuMs(process.pid)).toBeGreaterThan(started);
    expect(processCpuMs(2 ** 22 + 1)).toBe(0);
  });

  it("historyAnomalies counts lost writes and fetches that later changed in the middle", () => {
    const final = ["a", "b", "c", "d", "e"];
    expect(historyAnomalies(final, ["a", "b", "x"], [["a", "b"], ["b", "c", "d"], ["c", "e"], ["d", "x"]])).toEqual({ lost: 1, changed: 2 });
    expect(historyAnomalies(final, final, [["a"], ["d", "e"]])).toEqual({ lost: 0, changed: 0 });
  });
});
