import type { Database } from "../db/Database.js";
import { deleteExpiredContextEntries } from "../db/queries/deleteExpiredContextEntries.js";
import { systemClock, type Clock } from "../domain/clock.js";
import { startPeriodicTask } from "./startPeriodicTask.js";

export type ContextSweeper = {
  /**
   * Deletes every context entry expired at the clock's current time, in
   * batches, and returns how many. A sweep already running is joined rather
   * than doubled.
   */
  sweepOnce(): Promise<number>;
  /** Stops the timer and waits for a sweep in progress (which stops after its current batch). */
  stop(): Promise<void>;
};

/**
 * Deletes expired context entries every `intervalMs`. Reads never return an
 * expired entry whether or not it was swept (they compare expires_at with
 * the clock), so this only reclaims space. Each statement deletes at most
 * `batchSize` rows, so no sweep holds many row locks or a long transaction;
 * batches repeat until one comes back short. Any number of replicas may
 * sweep at once: locked rows are skipped.
 */
export function startContextSweeper(options: {
  db: Database;
  intervalMs: number;
  now?: Clock;
  batchSize?: number;
  log?: (message: string, fields: Record<string, unknown>) => void;
}): ContextSweeper {
  const now = options.now ?? systemClock;
  const batchSize = options.batchSize ?? 1000;
  const sweep = async (): Promise<number> => {
    const started = performance.now();
    let total = 0;
    for (;;) {
      const deleted = await options.db.withConnection(undefined, (connection) =>
        deleteExpiredContextEntries(connection, now(), batchSize),
      );
      total += deleted;
      if (deleted < batchSize || task.stopped) break;
    }
    if (total > 0) options.log?.("expired context entries deleted", { deleted: total, ms: Math.round(performance.now() - started) });
    return total;
  };

  const task = startPeriodicTask(sweep, {
    intervalMs: options.intervalMs,
    onError: (error) => options.log?.("context sweep failed", { err: error }),
  });
  return { sweepOnce: task.runOnce, stop: task.stop };
}
