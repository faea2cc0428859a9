import { runner } from "node-pg-migrate";
import pg from "pg";
import { repositoryPath } from "../paths.js";

/** The repository's migrations/ folder. */
export function defaultMigrationsDir(): string {
  return repositoryPath("migrations");
}

export type MigrationLog = (message: string) => void;

/**
 * Applies every pending SQL migration (node-pg-migrate, table `pgmigrations`).
 * Replicas starting together do not race: node-pg-migrate holds a PostgreSQL
 * advisory lock while it migrates, and the others wait for it, then find
 * nothing left to do. Returns the names of the migrations applied.
 */
export async function runMigrations(options: {
  databaseUrl: string;
  dir?: string;
  log?: MigrationLog;
}): Promise<string[]> {
  const log = options.log ?? (() => {});
  // The connection is ours, not node-pg-migrate's: its own client has no
  // 'error' listener and is ended without waiting, so a server ending the
  // session (57P01 when the database is dropped or the server shuts down)
  // would be an uncaught exception of the whole process. Here such an error
  // fails the migration in flight, if any, and is otherwise logged.
  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on("error", (error) => log(`migration connection: ${error.message}`));
  await client.connect();
  try {
    // node-pg-migrate keeps its table in "public" unless told otherwise: a
    // database whose URL sets the search_path (options=-c search_path=...)
    // to a schema of its own, as the Citus tests do per test file, keeps it
    // beside its tables.
    const { rows } = await client.query<{ schema: string | null }>("SELECT current_schema() AS schema");
    const applied = await runner({
      dbClient: client,
      migrationsSchema: rows[0]?.schema ?? "public",
      dir: options.dir ?? defaultMigrationsDir(),
      migrationsTable: "pgmigrations",
      direction: "up",
      count: Number.POSITIVE_INFINITY,
      checkOrder: true,
      advisoryLockMode: "wait",
      singleTransaction: true,
      log,
      logger: { debug: () => {}, info: log, warn: log, error: log },
    });
    return applied.map((migration) => migration.name);
  } finally {
    await client.end();
  }
}
