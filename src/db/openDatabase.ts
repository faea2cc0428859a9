import type { Tracer } from "@opentelemetry/api";
import { sql, type DatabasePool, type DatabasePoolConnection } from "slonik";
import { DomainError } from "../domain/errors.js";
import { toDomainError } from "./toDomainError.js";
import { z } from "zod";
import { createDatabasePool } from "./createDatabasePool.js";
import type { Database, DatabaseKind } from "./Database.js";
import { existsSync } from "node:fs";
import path from "node:path";
import { embeddedTemplateDir } from "./embeddedTemplateDir.js";
import { defaultMigrationsDir, runMigrations, type MigrationLog } from "./runMigrations.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./startEmbeddedDatabase.js";
import { startEmbeddedMaintenance, type EmbeddedMaintenance, type MaintenanceAction } from "./startEmbeddedMaintenance.js";
import { onAbort } from "../lib/onAbort.js";

const backendPid = z.object({ pid: z.number().int() });
const cancelled = z.object({ cancelled: z.boolean() });
const citusInstalled = z.object({ citus: z.boolean() });

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
  /** Gives the statements of the main pool child spans of the active span (see createTracing). */
  tracer?: Tracer | undefined;
  /** Told how long each step of opening took (start-up timing: "embedded database", "migrations", "pool"). */
  onPhase?: (phase: string, ms: number) => void;
}): Promise<Database> {
  let phaseStarted = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    options.onPhase?.(name, now - phaseStarted);
    phaseStarted = now;
  };
  let embedded: EmbeddedDatabase | undefined;
  let url = options.databaseUrl;
  let pool: DatabasePool | undefined;
  let control: DatabasePool | undefined;
  let maintenance: EmbeddedMaintenance | undefined;
  // Releases whatever was opened, in reverse order. Every step runs even if
  // an earlier one fails; the first failure is reported.
  const release = async () => {
    let failure: unknown;
    for (const step of [() => maintenance?.stop(), () => pool?.end(), () => control?.end(), () => embedded?.stop()]) {
      try {
        await step();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw failure;
  };
  try {
    if (!url) {
      // A new database that will be migrated starts as a copy of the build's
      // migrated template, when it is there for these very migrations:
      // running them is most of a first start. Otherwise: initdb's template.
      const migrated = options.migrate === false ? null : embeddedTemplateDir("migrated", defaultMigrationsDir());
      embedded = await startEmbeddedDatabase({
        dataDir: options.dataDir,
        maxConnections: options.poolSize + 4,
        ...(migrated && existsSync(path.join(migrated, "PG_VERSION")) ? { template: migrated } : {}),
      });
      url = embedded.url;
      phase("embedded database");
    }
    if (options.migrate !== false) {
      await runMigrations({ databaseUrl: url, ...(options.log ? { log: options.log } : {}) });
      phase("migrations");
    }
    // PGlite runs one statement at a time anyway, and pglite-socket (0.2.17)
    // interleaves the extended-protocol messages of concurrent connections
    // when a transaction is open: unnamed prepared statements of one client
    // get replaced by another's ("unnamed prepared statement does not
    // exist", wrong rows). One connection serialises every call cleanly.
    pool = await createDatabasePool(url, { maxPoolSize: embedded ? 1 : options.poolSize, tracer: options.tracer });
    // Cancellations go through a pool of their own: when every connection of
    // the main pool is busy (the very case where cancelling matters), a cancel
    // queued behind them would wait until a statement timed out.
    control = embedded ? undefined : await createDatabasePool(url, { maxPoolSize: 2 });
    phase("pool");
    if (embedded) {
      maintenance = startEmbeddedMaintenance(pool, {
        intervalMs: options.maintenanceIntervalMs ?? 30_000,
        // Statistics of a database opened again after a restart may be
        // stale: a first pass runs shortly after the start rather than
        // during it (PGlite runs one statement at a time, so a pass would
        // hold back the start's own queries).
        firstPassAfterMs: 2_000,
        ...(options.maintenanceLog ? { log: options.maintenanceLog } : {}),
      });
    }
    const distributed = embedded ? false : await pool.oneFirst(sql.type(citusInstalled)`SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') AS citus`);
    return createDatabase(pool, embedded ? "embedded" : "postgres", {
      distributed,
      ...(control ? { controlPool: control } : {}),
      ...(maintenance ? { runMaintenance: maintenance.runOnce } : {}),
      close: release,
    });
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
}

/**
 * The physical connection behind a slonik pool connection: slonik's
 * BoundPoolConnection keeps its driver client in a `connection` field. Its
 * `connectionId` is new at every checkout, so it cannot key a per-connection
 * cache. Undefined when a slonik version stops exposing the field, in which
 * case callers fall back to asking the database every time.
 */
export function physicalConnectionOf(connection: object): object | undefined {
  const inner: unknown = (connection as { connection?: unknown }).connection;
  return typeof inner === "object" && inner !== null ? inner : undefined;
}

/** What the connection callback hands back, so that slonik releases the connection instead of closing it. */
type Outcome<T> = { value: T } | { error: unknown } | { abandoned: true };

/**
 * Wraps a pool with signal-aware connection helpers:
 * - waiting for a free connection stops when the signal aborts;
 * - once aborted, no new statement starts on the call's connection;
 * - on PostgreSQL the running statement is cancelled at once with
 *   pg_cancel_backend, sent through `controlPool`.
 * PGlite cannot cancel a running statement, so there the call stops at the
 * next statement boundary, and its transaction rolls back.
 *
 * slonik closes a pooled connection whenever the callback throws. Expected
 * outcomes (DomainError: not found, already exists, ...) are therefore
 * carried out of the callback as values, and the connection goes back to the
 * pool. A connection is still closed after an unknown error, and after an
 * aborted call: a cancel that arrives late must not reach the statement of
 * the connection's next user.
 */
export function createDatabase(
  pool: DatabasePool,
  kind: DatabaseKind,
  options: {
    close: () => Promise<void>;
    /** Citus (see Database.distributed); default false. */
    distributed?: boolean;
    controlPool?: DatabasePool;
    runMaintenance?: () => Promise<MaintenanceAction[]>;
  },
): Database {
  // Backend pid of each physical connection, asked once; entries go with the connection.
  const pids = new WeakMap<object, number>();
  const controlPool = options.controlPool ?? pool;

  const pidOf = async (connection: DatabasePoolConnection): Promise<number> => {
    const physical = physicalConnectionOf(connection);
    const known = physical && pids.get(physical);
    if (known !== undefined) return known;
    const pid = await connection.oneFirst(sql.type(backendPid)`SELECT pg_backend_pid() AS pid`);
    if (physical) pids.set(physical, pid);
    return pid;
  };

  const cancelOnAbort = async <T>(signal: AbortSignal, connection: DatabasePoolConnection, run: () => Promise<T>): Promise<T> => {
    const pid = await pidOf(connection);
    signal.throwIfAborted();
    let cancelling: Promise<unknown> | undefined;
    const stopListening = onAbort(signal, () => {
      cancelling = controlPool.query(sql.type(cancelled)`SELECT pg_cancel_backend(${pid}) AS cancelled`).catch(() => undefined);
    });
    try {
      return await run();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw error;
    } finally {
      stopListening();
      if (cancelling) await cancelling;
    }
  };

  const unwrap = <T>(outcome: Outcome<T>, signal: AbortSignal | undefined): T => {
    if ("value" in outcome) return outcome.value;
    if ("error" in outcome) throw outcome.error;
    throw signal?.reason;
  };

  const withConnection: Database["withConnection"] = async (signal, routine) => {
    signal?.throwIfAborted();
    let started = false;
    const work = pool.connect(async (connection): Promise<Outcome<Awaited<ReturnType<typeof routine>>>> => {
      // The caller may have given up while this waited for a connection:
      // nothing ran on it, so it goes back to the pool as it is.
      if (signal?.aborted) return { abandoned: true };
      started = true;
      try {
        if (!signal) return { value: await routine(connection) };
        const guarded = guardConnection(connection, signal);
        const value = kind === "embedded" ? await routine(guarded) : await cancelOnAbort(signal, connection, () => routine(guarded));
        return { value };
      } catch (caught) {
        const error = toDomainError(caught);
        if (error instanceof DomainError && !signal?.aborted) return { error };
        throw error;
      }
    });
    if (!signal) return unwrap(await work, signal);
    return new Promise((resolve, reject) => {
      const stopListening = onAbort(signal, (reason) => {
        if (!started) reject(reason);
      });
      work
        .then((outcome) => unwrap(outcome, signal))
        .then(resolve, reject)
        .finally(stopListening);
    });
  };

  return {
    pool,
    kind,
    distributed: options.distributed ?? false,
    withConnection,
    withTransaction: (signal, routine) =>
      withConnection(signal, (connection) =>
        connection.transaction(async (transaction) => {
          const result = await routine(transaction);
          signal?.throwIfAborted();
          return result;
        }),
      ),
    runMaintenance: options.runMaintenance ?? (async () => []),
    close: options.close,
  };
}

/** slonik's query methods (CommonQueryMethods): the ones that start a statement. */
const queryMethods = new Set<PropertyKey>([
  "any",
  "anyFirst",
  "exists",
  "many",
  "manyFirst",
  "maybeOne",
  "maybeOneFirst",
  "one",
  "oneFirst",
  "query",
  "stream",
  "transaction",
]);

/**
 * The connection, with every query method refusing to start once `signal`
 * has aborted (a rejected promise with the signal's reason). A transaction's
 * connection is guarded too. Statements already running are not affected:
 * cancelling those is the caller's job.
 */
function guardConnection<C extends object>(connection: C, signal: AbortSignal): C {
  return new Proxy(connection, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function" || !queryMethods.has(property)) return value;
      return (...args: unknown[]) => {
        if (signal.aborted) return Promise.reject(signal.reason);
        if (property === "transaction" && typeof args[0] === "function") {
          const handler = args[0] as (transaction: object) => unknown;
          args = [(transaction: object) => handler(guardConnection(transaction, signal)), ...args.slice(1)];
        }
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
