import { sql, type DatabasePool, type DatabasePoolConnection } from "slonik";
import { z } from "zod";
import { createDatabasePool } from "./createDatabasePool.js";
import type { Database, DatabaseKind } from "./Database.js";
import { runMigrations, type MigrationLog } from "./runMigrations.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./startEmbeddedDatabase.js";

const backendPid = z.object({ pid: z.number().int() });

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
    return createDatabase(pool, embedded ? "embedded" : "postgres", async () => {
      await pool.end();
      await embedded?.stop();
    });
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

/**
 * Wraps a pool with signal-aware connection helpers. On PostgreSQL an abort
 * runs pg_cancel_backend on the connection's backend; PGlite runs one query
 * at a time, so there the work stops at the next statement boundary instead.
 */
export function createDatabase(pool: DatabasePool, kind: DatabaseKind, close: () => Promise<void>): Database {
  const pids = new Map<string, number>();

  const pidOf = async (connection: DatabasePoolConnection): Promise<number> => {
    const known = pids.get(connection.connectionId);
    if (known !== undefined) return known;
    const pid = await connection.oneFirst(sql.type(backendPid)`SELECT pg_backend_pid() AS pid`);
    pids.set(connection.connectionId, pid);
    return pid;
  };

  const withConnection: Database["withConnection"] = async (signal, routine) => {
    signal?.throwIfAborted();
    return pool.connect(async (connection) => {
      if (!signal || kind === "embedded") return routine(connection);
      const pid = await pidOf(connection);
      signal.throwIfAborted();
      let cancelling: Promise<unknown> | undefined;
      const onAbort = () => {
        cancelling = pool
          .query(sql.unsafe`SELECT pg_cancel_backend(${pid})`)
          .catch(() => undefined);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        return await routine(connection);
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        throw error;
      } finally {
        signal.removeEventListener("abort", onAbort);
        if (cancelling) await cancelling;
      }
    });
  };

  return {
    pool,
    kind,
    withConnection,
    withTransaction: (signal, routine) =>
      withConnection(signal, (connection) =>
        connection.transaction(async (transaction) => {
          const result = await routine(transaction);
          signal?.throwIfAborted();
          return result;
        }),
      ),
    close,
  };
}
