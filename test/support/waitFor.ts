export type WaitForOptions = {
  /** How long to keep polling before failing. Default 10 000 ms. */
  timeoutMs?: number;
  /** Pause between polls. Default 20 ms. */
  intervalMs?: number;
  /**
   * What is waited for, named in the timeout error ("the queue to drain"); a
   * function is called at the timeout, so it can tell the state last seen.
   */
  message?: string | (() => string);
};

/**
 * Polls `condition` until it returns a truthy value, and resolves with that
 * value; rejects naming `message` once `timeoutMs` has passed without one.
 * The way tests wait for asynchronous work: for a state to be reached, never
 * for a fixed time. An error thrown by `condition` fails the wait at once.
 */
export async function waitFor<T>(condition: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const { timeoutMs = 10_000, intervalMs = 20, message = "the condition" } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof message === "function" ? message() : message}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
