/** A background pass run on a timer, that can also be run on demand. */
export type PeriodicTask<T> = {
  /** Runs the pass now; a pass already running is joined rather than doubled. */
  runOnce(): Promise<T>;
  /** True once stop() was called (a long pass can check it to end early). */
  readonly stopped: boolean;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
};

/**
 * Runs `pass` every `intervalMs` (the timer does not keep the process alive),
 * never two at once, and reports a failed timed pass to `onError`.
 */
export function startPeriodicTask<T>(
  pass: () => Promise<T>,
  options: { intervalMs: number; onError: (error: unknown) => void },
): PeriodicTask<T> {
  let running: Promise<T> | undefined;
  let stopped = false;
  const runOnce = (): Promise<T> => {
    running ??= pass().finally(() => {
      running = undefined;
    });
    return running;
  };
  const timer = setInterval(() => {
    if (stopped || running) return;
    runOnce().catch(options.onError);
  }, options.intervalMs);
  timer.unref();
  return {
    runOnce,
    get stopped() {
      return stopped;
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
