import type { DatabasePoolConnection, DatabaseTransactionConnection } from "slonik";

/** Where the data lives. */
export type DatabaseKind = "embedded" | "postgres";

/** One pooled connection, for the statements of one call (src/db/queries take it). */
export type Connection = DatabasePoolConnection;

/** A connection inside a transaction. */
export type Transaction = DatabaseTransactionConnection;

/**
 * The database port: the connections and transactions the domain runs its
 * statements on, and nothing else (no pool, no maintenance, no close).
 * src/db/openDatabase.ts implements it; startService passes it in. Errors the
 * database raises come out as domain errors where the data layer can tell
 * what they mean (src/db/toDomainError.ts).
 */
export type Database = {
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
  withConnection<T>(signal: AbortSignal | undefined, routine: (connection: Connection) => Promise<T>): Promise<T>;
  /** Like withConnection, inside one transaction (committed when routine resolves). */
  withTransaction<T>(signal: AbortSignal | undefined, routine: (transaction: Transaction) => Promise<T>): Promise<T>;
};
