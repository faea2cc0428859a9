import { describe, expect, it } from "vitest";
import { waitFor } from "./waitFor.js";

describe("waitFor", () => {
  it("resolves with the first truthy value, polling until then", async () => {
    let polls = 0;
    expect(await waitFor(() => (++polls >= 3 ? `after ${polls}` : null), { intervalMs: 1 })).toBe("after 3");
    expect(polls).toBe(3);
  });

  it("awaits an async condition", async () => {
    let polls = 0;
    expect(await waitFor(async () => ++polls === 2, { intervalMs: 1 })).toBe(true);
  });

  it("rejects after the timeout, naming what it waited for (a function is asked at the timeout)", async () => {
    let polls = 0;
    await expect(waitFor(() => ++polls < 0, { timeoutMs: 30, intervalMs: 5, message: "the moon" })).rejects.toThrow(
      "timed out after 30 ms waiting for the moon",
    );
    await expect(waitFor(() => false, { timeoutMs: 10, intervalMs: 5, message: () => `polls: ${polls}` })).rejects.toThrow(/waiting for polls: \d+$/);
    expect(polls).toBeGreaterThan(1);
  });

  it("fails at once when the condition throws", async () => {
    let polls = 0;
    const failing = () => {
      polls += 1;
      throw new Error("broken");
    };
    await expect(waitFor(failing, { timeoutMs: 10_000 })).rejects.toThrow("broken");
    expect(polls).toBe(1);
  });
});
