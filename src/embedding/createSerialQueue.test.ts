import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { createSerialQueue } from "./createSerialQueue.js";

describe("createSerialQueue", () => {
  it("never runs two tasks at once and keeps call order", async () => {
    const queue = createSerialQueue();
    const events: string[] = [];
    let running = 0;
    const task = (name: string, ms: number) => async () => {
      running++;
      expect(running).toBe(1);
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all([queue(task("a", 20)), queue(task("b", 1)), queue(task("c", 5))]);
    expect(results).toEqual(["a", "b", "c"]);
    expect(events).toEqual(["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  it("isolates failures", async () => {
    const queue = createSerialQueue();
    const failed = queue(async () => {
      throw new Error("boom");
    });
    const thrownSync = queue(() => {
      throw new Error("sync boom");
    });
    const next = queue(() => 42);
    await expect(failed).rejects.toThrow("boom");
    await expect(thrownSync).rejects.toThrow("sync boom");
    await expect(next).resolves.toBe(42);
  });
});
