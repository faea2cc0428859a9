import type { EncodingName } from "./linearTokenCount.js";

/** Counts tokens without holding up the event loop for long. */
export type TokenCounter = {
  /**
   * Token counts of `texts`, in order. Rejects with the signal's reason once
   * it aborts (a batch already running in a worker is stopped: its thread is
   * ended and replaced), and after close().
   */
  count(texts: readonly string[], encoding: EncodingName, signal?: AbortSignal): Promise<number[]>;
  /** Ends the worker threads; counts still running reject. */
  close(): Promise<void>;
};
