import { readdir } from "node:fs/promises";
import path from "node:path";
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
    const schema = rows[0]?.schema ?? "public";
    const dir = options.dir ?? defaultMigrationsDir();
    if (await upToDate(client, schema, dir)) {
      log("No migrations to run!");
      return [];
    }
    // Only imported when there is work: loading node-pg-migrate is a noticeable part of a restart.
    const { runner } = await import("node-pg-migrate");
    const applied = await runner({
      dbClient: client,
      migrationsSchema: schema,
      dir,
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

/**
 * Whether every migration in `dir` is applied already, in order, and
 * nothing else is: the usual restart, answered with two small queries instead of a
 * node-pg-migrate run (advisory lock, table checks, reading every migration
 * file). Anything else, including no migrations table, goes to
 * node-pg-migrate, which applies what is pending or reports what is wrong.
 * Names are file names without their extension, among the files that are
 * not hidden, as node-pg-migrate takes them.
 */
async function upToDate(client: pg.Client, schema: string, dir: string): Promise<boolean> {
  const files = (await readdir(dir, { withFileTypes: true }))
    .filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && !entry.name.startsWith("."))
    .map((entry) => path.basename(entry.name, path.extname(entry.name)))
    .sort();
  const table = await client.query<{ found: string | null }>("SELECT to_regclass(format('%I.pgmigrations', $1::text))::text AS found", [schema]);
  if (!table.rows[0]?.found) return false;
  const applied = await client.query<{ name: string }>(`SELECT name FROM ${client.escapeIdentifier(schema)}.pgmigrations ORDER BY run_on, id`);
  return applied.rows.length === files.length && applied.rows.every((row, i) => row.name === files[i]);
}
