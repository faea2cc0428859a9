import type { DatabasePool, DatabasePoolConnection, DatabaseTransactionConnection } from "slonik";

/** Where the data lives. */
export type DatabaseKind = "embedded" | "postgres";

/** The database handle the domain functions receive. */
export type Database = {
  readonly pool: DatabasePool;
  readonly kind: DatabaseKind;
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
  /** Closes the pool and, for the embedded database, the database itself. */
  close(): Promise<void>;
};
