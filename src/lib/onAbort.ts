/**
 * Calls `listener` with the signal's reason once `signal` aborts, or at once
 * (synchronously) when it already has; returns a function that removes the
 * listener, safe to call more than once and after the listener ran. Without
 * a signal nothing is registered.
 *
 * Every place that ties work to a signal needs the same four steps (check
 * `aborted`, add a once listener, remove it when the work settles, and not
 * forget the already-aborted case); this is them, once. Node's
 * `events.addAbortListener` is close, but calls an already-aborted listener
 * on a later microtask, which lets a call start that should never have.
 *
 * This folder imports nothing from the project, so every layer (and the
 * published client) may use it.
 */
export function onAbort(signal: AbortSignal | undefined, listener: (reason: unknown) => void): () => void {
  if (!signal) return () => {};
  if (signal.aborted) {
    listener(signal.reason);
    return () => {};
  }
  const handle = () => listener(signal.reason);
  signal.addEventListener("abort", handle, { once: true });
  return () => signal.removeEventListener("abort", handle);
}
