import type { DatabasePool } from "slonik";
import type { Database as DatabasePort, DatabaseKind } from "../domain/ports/Database.js";
import type { MaintenanceAction } from "./startEmbeddedMaintenance.js";

export type { DatabaseKind };

/**
 * The database as startService, the jobs beside the request path and the
 * tests hold it: the domain's port (connections and transactions) plus the
 * pool, maintenance and close, which the domain never sees.
 */
export type Database = DatabasePort & {
  readonly pool: DatabasePool;
  /**
   * Vacuums and analyses the tables that need it now. Embedded only: PGlite
   * has no autovacuum, so this also runs on a timer there; on PostgreSQL it
   * does nothing and returns [] (autovacuum does the work).
   */
  runMaintenance(): Promise<MaintenanceAction[]>;
  /** Closes the pool and, for the embedded database, the database itself. */
  close(): Promise<void>;
};
