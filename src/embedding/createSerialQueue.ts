/** Runs tasks one at a time, in call order. */
export type SerialQueue = <T>(task: () => Promise<T> | T) => Promise<T>;

/**
 * A queue that starts each task once every task queued before it has settled
 * (resolved or rejected). A failing task fails only its own call.
 */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T> | T): Promise<T> => {
    const result = tail.then(task);
    tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  };
}
