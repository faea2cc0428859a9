import type { DatabasePool } from "slonik";
import { analyzeTable } from "./queries/analyzeTable.js";
import { flushStatistics } from "./queries/flushStatistics.js";
import { selectTableActivity } from "./queries/selectTableActivity.js";
import { vacuumTable } from "./queries/vacuumTable.js";
import { startPeriodicTask } from "../maintenance/startPeriodicTask.js";

/**
 * PostgreSQL's autovacuum defaults (autovacuum_vacuum_threshold and
 * _scale_factor, and the analyze and insert equivalents).
 */
const thresholds = {
  vacuum: { base: 50, scale: 0.2 },
  insertVacuum: { base: 1000, scale: 0.2 },
  analyze: { base: 50, scale: 0.1 },
} as const;

/** What one maintenance pass did to one table. */
export type MaintenanceAction = { table: string; action: "vacuum" | "analyze" };

export type EmbeddedMaintenance = {
  /** Runs one pass now: vacuums and analyses the tables past the thresholds. */
  runOnce(): Promise<MaintenanceAction[]>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
};

/**
 * Autovacuum for the embedded database. PGlite is a single backend with no
 * background workers, so nothing ever vacuums or analyses its tables: planner
 * statistics stay those of an empty table (a 100k-message session was then
 * read by a bitmap scan and a sort of every message, 76 ms instead of 0.5 ms
 * for the last 20), and the dead row versions of each append's session
 * update are never reclaimed. Every `intervalMs` this applies autovacuum's
 * own rules, from pg_stat_user_tables, to the tables of the public schema.
 * PGlite runs one statement at a time, so a pass holds other queries back
 * for its duration (tens of milliseconds at 100k rows).
 */
export function startEmbeddedMaintenance(
  pool: DatabasePool,
  options: {
    intervalMs: number;
    /**
     * Run a first pass this long after starting, instead of waiting a whole
     * interval (statistics of a database opened again may be stale), without
     * holding up the start itself. Default: no early pass.
     */
    firstPassAfterMs?: number;
    log?: (message: string, fields: Record<string, unknown>) => void;
  },
): EmbeddedMaintenance {
  const pass = async (): Promise<MaintenanceAction[]> => {
    // Statistics are flushed lazily; make the counters current first.
    await flushStatistics(pool);
    const tables = await selectTableActivity(pool);
    const actions: MaintenanceAction[] = [];
    for (const table of tables) {
      const over = (t: { base: number; scale: number }, value: number) => value > t.base + t.scale * table.reltuples;
      const vacuum = over(thresholds.vacuum, table.n_dead_tup) || over(thresholds.insertVacuum, table.n_ins_since_vacuum);
      const analyze = over(thresholds.analyze, table.n_mod_since_analyze);
      if (!vacuum && !analyze) continue;
      const started = performance.now();
      if (vacuum) await vacuumTable(pool, table.table_name);
      else await analyzeTable(pool, table.table_name);
      const action = vacuum ? "vacuum" : "analyze";
      actions.push({ table: table.table_name, action });
      options.log?.("embedded maintenance", { table: table.table_name, action, ms: Math.round(performance.now() - started) });
    }
    return actions;
  };

  const onError = (error: unknown) => options.log?.("embedded maintenance failed", { err: error });
  const task = startPeriodicTask(pass, { intervalMs: options.intervalMs, onError });
  const first =
    options.firstPassAfterMs === undefined
      ? undefined
      : setTimeout(() => {
          if (!task.stopped) task.runOnce().catch(onError);
        }, options.firstPassAfterMs);
  first?.unref();
  return {
    runOnce: task.runOnce,
    async stop() {
      clearTimeout(first);
      await task.stop();
    },
  };
}
