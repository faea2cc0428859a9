// waitForEmbeddings with a counting fake for the database poll and fake
// timers: the number of polls over a long wait, and the early wake-up on a
// finished batch, are asserted without any real time passing.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { defaultWaitBackoff, waitForEmbeddings, type PendingInScope } from "./waitForEmbeddings.js";

/** A fake database poll: answers from `answer`, and records when (fake time) each poll ran. */
function countingPoll(answer: (poll: number) => PendingInScope) {
  const at: number[] = [];
  return {
    at,
    countPending: async () => {
      at.push(Date.now());
      return answer(at.length);
    },
  };
}

/** A fake local worker: tests fire its batch events. */
function fakeWorker() {
  const listeners = new Set<() => void>();
  return {
    listeners,
    onBatch(listener: () => void) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    finishBatch() {
      for (const listener of listeners) listener();
    },
  };
}

describe("waitForEmbeddings", () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("polls once when nothing in scope is queued, or only failing messages are", async () => {
    const none = countingPoll(() => ({ pending: 0, failing: 0 }));
    await expect(waitForEmbeddings({ countPending: none.countPending, nudge: () => {} })).resolves.toEqual({ pending: 0, failing: 0 });
    expect(none.at).toHaveLength(1);
    const failing = countingPoll(() => ({ pending: 3, failing: 3 }));
    await expect(waitForEmbeddings({ countPending: failing.countPending, nudge: () => {} })).resolves.toEqual({ pending: 3, failing: 3 });
    expect(failing.at).toHaveLength(1);
  });

  it("over a 30 s wait that never ends, polls the database a few times a second, not in a tight loop", async () => {
    const poll = countingPoll(() => ({ pending: 5, failing: 0 }));
    const worker = fakeWorker();
    let nudges = 0;
    const controller = new AbortController();
    const waiting = waitForEmbeddings(
      { countPending: poll.countPending, nudge: () => (nudges += 1), onBatch: (l) => worker.onBatch(l) },
      controller.signal,
    );
    const outcome = expect(waiting).rejects.toThrow("deadline");
    await vi.advanceTimersByTimeAsync(30_000);
    controller.abort(new Error("deadline"));
    await outcome;

    // The pauses: 10 ms doubling to 250 ms, then 250 ms each.
    const pauses = poll.at.slice(1).map((t, i) => t - poll.at[i]!);
    expect(pauses.slice(0, 6)).toEqual([10, 20, 40, 80, 160, 250]);
    expect(new Set(pauses.slice(5))).toEqual(new Set([defaultWaitBackoff.maxMs]));
    // 30 s at 250 ms is 120 polls after the ramp: a bounded handful per second.
    expect(poll.at.length).toBeLessThanOrEqual(6 + 30_000 / defaultWaitBackoff.maxMs);
    expect(nudges).toBe(poll.at.length);
    // The abort ended the pause in progress; the listener is gone.
    expect(worker.listeners.size).toBe(0);
  });

  it("polls again at once when the local worker finishes a batch, whatever the pause", async () => {
    let stored = false;
    const poll = countingPoll(() => (stored ? { pending: 0, failing: 0 } : { pending: 2, failing: 0 }));
    const worker = fakeWorker();
    let resolved: PendingInScope | null = null;
    const waiting = waitForEmbeddings({ countPending: poll.countPending, nudge: () => {}, onBatch: (l) => worker.onBatch(l) }).then(
      (counts) => (resolved = counts),
    );
    // Into the 250 ms pauses.
    await vi.advanceTimersByTimeAsync(2_000);
    const pollsBefore = poll.at.length;
    expect(resolved).toBeNull();

    stored = true;
    worker.finishBatch();
    // No timer advances: the batch event alone triggers the next poll.
    await vi.advanceTimersByTimeAsync(0);
    await waiting;
    expect(resolved).toEqual({ pending: 0, failing: 0 });
    expect(poll.at.length).toBe(pollsBefore + 1);
    expect(poll.at.at(-1)).toBe(2_000);
    expect(worker.listeners.size).toBe(0);
  });

  it("a batch that finishes while a poll runs cuts the next pause short", async () => {
    const worker = fakeWorker();
    let release: (() => void) | null = null;
    let polls = 0;
    const countPending = async (): Promise<PendingInScope> => {
      polls += 1;
      if (polls === 2) {
        // The worker stores its batch while this poll is in the database.
        await new Promise<void>((resolve) => (release = resolve));
        worker.finishBatch();
        return { pending: 1, failing: 0 };
      }
      return polls >= 3 ? { pending: 0, failing: 0 } : { pending: 1, failing: 0 };
    };
    const waiting = waitForEmbeddings({ countPending, nudge: () => {}, onBatch: (l) => worker.onBatch(l) });
    await vi.advanceTimersByTimeAsync(10);
    expect(polls).toBe(2);
    const at = Date.now();
    release!();
    await vi.advanceTimersByTimeAsync(0);
    await expect(waiting).resolves.toEqual({ pending: 0, failing: 0 });
    expect(polls).toBe(3);
    expect(Date.now()).toBe(at);
  });

  it("an aborted signal stops the wait before the next poll", async () => {
    const poll = countingPoll(() => ({ pending: 1, failing: 0 }));
    const controller = new AbortController();
    controller.abort(new Error("cancelled"));
    await expect(waitForEmbeddings({ countPending: poll.countPending, nudge: () => {} }, controller.signal)).rejects.toThrow("cancelled");
    expect(poll.at).toHaveLength(1);
  });
});
