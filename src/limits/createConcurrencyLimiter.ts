export type ConcurrencyLimiter = {
  /** Counts one more call for `key` when under `max` (0: unlimited) and returns its release; null when at the limit. */
  acquire(key: string, max: number): (() => void) | null;
  /** Calls counted now for `key`. */
  current(key: string): number;
};

/** Counts calls in progress per key (tenant or credential) on this replica. */
export function createConcurrencyLimiter(): ConcurrencyLimiter {
  const counts = new Map<string, number>();
  return {
    acquire(key, max) {
      const count = counts.get(key) ?? 0;
      if (max > 0 && count >= max) return null;
      counts.set(key, count + 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        const left = (counts.get(key) ?? 1) - 1;
        if (left <= 0) counts.delete(key);
        else counts.set(key, left);
      };
    },
    current: (key) => counts.get(key) ?? 0,
  };
}
