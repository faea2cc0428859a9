import { runner } from "node-pg-migrate";
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
  const applied = await runner({
    databaseUrl: options.databaseUrl,
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
}
