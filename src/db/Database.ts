import type { DatabasePool, DatabasePoolConnection, DatabaseTransactionConnection } from "slonik";
import type { MaintenanceAction } from "./startEmbeddedMaintenance.js";

/** Where the data lives. */
export type DatabaseKind = "embedded" | "postgres";

/** The database handle the domain functions receive. */
export type Database = {
  readonly pool: DatabasePool;
  readonly kind: DatabaseKind;
  /**
   * True on Citus (the citus extension is installed). There a statement
   * whose modifying CTEs depend on each other is run as several subplans
   * through the coordinator rather than routed whole to one worker, so the
   * hot writes that are one such statement elsewhere (AppendMessages) are a
   * transaction of router-planned statements instead.
   */
  readonly distributed: boolean;
  /**
   * Runs `routine` on one pooled connection. When `signal` aborts (deadline
   * or client cancellation) the statement running on that connection is
   * cancelled in PostgreSQL, and the call rejects with the signal's reason.
   */
  withConnection<T>(signal: AbortSignal | undefined, routine: (connection: DatabasePoolConnection) => Promise<T>): Promise<T>;
  /** Like withConnection, inside one transaction (committed when routine resolves). */
  withTransaction<T>(
    signal: AbortSignal | undefined,
    routine: (transaction: DatabaseTransactionConnection) => Promise<T>,
  ): Promise<T>;
  /**
   * Vacuums and analyses the tables that need it now. Embedded only: PGlite
   * has no autovacuum, so this also runs on a timer there; on PostgreSQL it
   * does nothing and returns [] (autovacuum does the work).
   */
  runMaintenance(): Promise<MaintenanceAction[]>;
  /** Closes the pool and, for the embedded database, the database itself. */
  close(): Promise<void>;
};
