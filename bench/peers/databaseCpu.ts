import pg from "pg";
import { processCpuMs } from "./processCpuMs.js";

/** Backends and the CPU each had used (ms). */
export type CpuSnapshot = { pids: number[]; ms: number[] };

export type DatabaseCpu = {
  /** The client backends of the database now, and their CPU so far (ms). */
  snapshot(): Promise<CpuSnapshot>;
  /** CPU of those backends since the snapshot (ms, 10 ms resolution). */
  since(snapshot: CpuSnapshot): number;
  close(): Promise<void>;
};

/**
 * The database's CPU, as the backends serving it used it: the client
 * backends connected to `database` (pg_stat_activity, less the one this
 * uses), read from /proc/<pid>/stat before and after a piece of work. Work
 * that runs alone (the benchmarks run one implementation's turn at a time)
 * is then charged what PostgreSQL spent on it, on whichever connection.
 * Needs the server on this machine (/proc); 0 otherwise.
 */
export async function databaseCpu(url: string): Promise<DatabaseCpu> {
  const monitor = new pg.Client({ connectionString: url });
  await monitor.connect();
  return {
    async snapshot() {
      const { rows } = await monitor.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()",
      );
      const pids = rows.map((r) => r.pid);
      return { pids, ms: pids.map(processCpuMs) };
    },
    since(snapshot) {
      // A backend that ended in between reads 0: count it as nothing, not as negative.
      return snapshot.pids.reduce((total, pid, i) => total + Math.max(0, processCpuMs(pid) - snapshot.ms[i]!), 0);
    },
    close: () => monitor.end(),
  };
}
