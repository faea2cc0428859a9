import { onAbort } from "../../lib/onAbort.js";

/** Messages in a search's scope still queued for their embedding, and how many of those have failed at least once. */
export type PendingInScope = { pending: number; failing: number };

export type WaitForEmbeddingsDeps = {
  /** One database poll: the queue rows in the search's scope. */
  countPending(): Promise<PendingInScope>;
  /** Wakes this replica's embedding worker, if it runs one. */
  nudge(): void;
  /**
   * Subscribes to this replica's worker finishing a batch (which may have
   * emptied the queue); returns the unsubscribe. Absent when there is no
   * local worker: then only the backoff paces the polls.
   */
  onBatch?: ((listener: () => void) => () => void) | undefined;
};

/** Pauses between database polls: the first, doubled after each poll, up to the last. */
export type WaitBackoff = { firstMs: number; maxMs: number };

export const defaultWaitBackoff: WaitBackoff = { firstMs: 10, maxMs: 250 };

/**
 * Waits until nothing in the search's scope is queued for an embedding,
 * except messages whose embedding has failed: they are retried with backoff,
 * and waiting for one that keeps failing would stall every such search until
 * its deadline. Returns the last poll's counts.
 *
 * The database is polled with a backoff (10 ms doubling to 250 ms), so a
 * long wait costs a few polls a second rather than a tight loop; a batch
 * finished by this replica's worker ends the pause at once, so the common
 * case (the worker embeds what this user just appended) answers as soon as
 * the batch is stored. The signal (the call's deadline or cancellation)
 * ends the wait with its reason, in the middle of a pause too.
 */
export async function waitForEmbeddings(
  deps: WaitForEmbeddingsDeps,
  signal?: AbortSignal,
  backoff: WaitBackoff = defaultWaitBackoff,
): Promise<PendingInScope> {
  // A batch that finishes while a poll runs must still cut the next pause
  // short: it may have stored what that poll counted as pending.
  let batchFinished = false;
  let wake: (() => void) | null = null;
  const unsubscribe = deps.onBatch?.(() => {
    batchFinished = true;
    wake?.();
  });
  try {
    let counts = await deps.countPending();
    for (let pauseMs = backoff.firstMs; counts.pending > counts.failing; pauseMs = Math.min(backoff.maxMs, pauseMs * 2)) {
      deps.nudge();
      if (!batchFinished) {
        await new Promise<void>((resolve, reject) => {
          signal?.throwIfAborted();
          const done = () => {
            clearTimeout(timer);
            stopListening();
            wake = null;
            resolve();
          };
          const timer = setTimeout(done, pauseMs);
          wake = done;
          const stopListening = onAbort(signal, (reason) => {
            clearTimeout(timer);
            wake = null;
            reject(reason);
          });
        });
      }
      batchFinished = false;
      signal?.throwIfAborted();
      counts = await deps.countPending();
    }
    return counts;
  } finally {
    unsubscribe?.();
  }
}
