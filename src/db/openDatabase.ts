import { sql, type DatabasePool, type DatabasePoolConnection } from "slonik";
import { z } from "zod";
import { createDatabasePool } from "./createDatabasePool.js";
import type { Database, DatabaseKind } from "./Database.js";
import { runMigrations, type MigrationLog } from "./runMigrations.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./startEmbeddedDatabase.js";
import { startEmbeddedMaintenance, type MaintenanceAction } from "./startEmbeddedMaintenance.js";

const backendPid = z.object({ pid: z.number().int() });
const cancelled = z.object({ cancelled: z.boolean() });

/**
 * Opens the service's database: the PostgreSQL named by `databaseUrl`, or else
 * the embedded PGlite in `dataDir`. Applies pending migrations first (unless
 * `migrate` is false).
 */
export async function openDatabase(options: {
  databaseUrl?: string | undefined;
  dataDir: string;
  poolSize: number;
  migrate?: boolean;
  log?: MigrationLog;
  /** Embedded only: how often the autovacuum stand-in checks the tables (see startEmbeddedMaintenance). */
  maintenanceIntervalMs?: number;
  maintenanceLog?: (message: string, fields: Record<string, unknown>) => void;
}): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = options.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedDatabase({ dataDir: options.dataDir, maxConnections: options.poolSize + 4 });
    url = embedded.url;
  }
  try {
    if (options.migrate !== false) {
      await runMigrations({ databaseUrl: url, ...(options.log ? { log: options.log } : {}) });
    }
    const pool = await createDatabasePool(url, { maxPoolSize: options.poolSize });
    // Cancellations go through a pool of their own: when every connection of
    // the main pool is busy (the very case where cancelling matters), a cancel
    // queued behind them would wait until a statement timed out.
    const control = embedded ? undefined : await createDatabasePool(url, { maxPoolSize: 2 });
    const maintenance = embedded
      ? startEmbeddedMaintenance(pool, {
          intervalMs: options.maintenanceIntervalMs ?? 30_000,
          ...(options.maintenanceLog ? { log: options.maintenanceLog } : {}),
        })
      : undefined;
    // Statistics of a database opened again after a restart may be stale.
    await maintenance?.runOnce();
    return createDatabase(pool, embedded ? "embedded" : "postgres", {
      ...(control ? { controlPool: control } : {}),
      ...(maintenance ? { runMaintenance: maintenance.runOnce } : {}),
      close: async () => {
        await maintenance?.stop();
        await pool.end();
        await control?.end();
        await embedded?.stop();
      },
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/** Backend pids are cached per pooled connection; old entries are dropped past this many. */
const maxCachedPids = 256;

/**
 * Wraps a pool with signal-aware connection helpers:
 * - waiting for a free connection stops when the signal aborts;
 * - once aborted, no new statement starts on the call's connection;
 * - on PostgreSQL the running statement is cancelled at once with
 *   pg_cancel_backend, sent through `controlPool`.
 * PGlite cannot cancel a running statement, so there the call stops at the
 * next statement boundary, and its transaction rolls back.
 */
export function createDatabase(
  pool: DatabasePool,
  kind: DatabaseKind,
  options: {
    close: () => Promise<void>;
    controlPool?: DatabasePool;
    runMaintenance?: () => Promise<MaintenanceAction[]>;
  },
): Database {
  const pids = new Map<string, number>();
  const controlPool = options.controlPool ?? pool;

  const pidOf = async (connection: DatabasePoolConnection): Promise<number> => {
    const known = pids.get(connection.connectionId);
    if (known !== undefined) return known;
    const pid = await connection.oneFirst(sql.type(backendPid)`SELECT pg_backend_pid() AS pid`);
    if (pids.size >= maxCachedPids) pids.delete(pids.keys().next().value!);
    pids.set(connection.connectionId, pid);
    return pid;
  };

  const cancelOnAbort = async <T>(signal: AbortSignal, connection: DatabasePoolConnection, run: () => Promise<T>): Promise<T> => {
    const pid = await pidOf(connection);
    signal.throwIfAborted();
    let cancelling: Promise<unknown> | undefined;
    const onAbort = () => {
      cancelling = controlPool.query(sql.type(cancelled)`SELECT pg_cancel_backend(${pid}) AS cancelled`).catch(() => undefined);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await run();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (cancelling) await cancelling;
    }
  };

  const withConnection: Database["withConnection"] = async (signal, routine) => {
    if (!signal) return pool.connect(routine);
    signal.throwIfAborted();
    let started = false;
    const work = pool.connect(async (connection) => {
      // The caller may have given up while this waited for a connection.
      signal.throwIfAborted();
      started = true;
      const guarded = guardConnection(connection, signal);
      if (kind === "embedded") return routine(guarded);
      return cancelOnAbort(signal, connection, () => routine(guarded));
    });
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (!started) reject(signal.reason);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
    });
  };

  return {
    pool,
    kind,
    withConnection,
    withTransaction: (signal, routine) =>
      withConnection(signal, (connection) =>
        connection.transaction(async (transaction) => {
          const result = await routine(signal ? guardConnection(transaction, signal) : transaction);
          signal?.throwIfAborted();
          return result;
        }),
      ),
    runMaintenance: options.runMaintenance ?? (async () => []),
    close: options.close,
  };
}

/**
 * The connection, with every method refusing to start once `signal` has
 * aborted (the rejection is the signal's reason). Statements already running
 * are not affected: cancelling those is the caller's job.
 */
function guardConnection<C extends object>(connection: C, signal: AbortSignal): C {
  return new Proxy(connection, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        signal.throwIfAborted();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
