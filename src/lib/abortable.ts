import { onAbort } from "./onAbort.js";

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal`
 * aborts (at once when it already has), whichever comes first. The work
 * behind `promise` is not stopped: this is for work that cannot take a
 * signal, whose result is no longer wanted. The listener is removed when
 * `promise` settles, so a long-lived signal does not collect listeners.
 * Rejecting with `signal.reason` keeps the caller's reason (a deadline, a
 * cancellation) rather than a generic AbortError.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  return new Promise<T>((resolve, reject) => {
    const dispose = onAbort(signal, reject);
    promise.then(
      (value) => {
        dispose();
        resolve(value);
      },
      (error: unknown) => {
        dispose();
        reject(error);
      },
    );
  });
}
