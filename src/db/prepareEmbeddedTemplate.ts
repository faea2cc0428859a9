import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rename, rm } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { embeddedTemplateDir } from "./embeddedTemplateDir.js";
import { defaultMigrationsDir, runMigrations } from "./runMigrations.js";
import { startEmbeddedDatabase } from "./startEmbeddedDatabase.js";

/**
 * Creates the template data directories that new embedded databases copy
 * (startEmbeddedDatabase, openDatabase) instead of running initdb and every
 * migration, which are most of a first start (seconds, and a second PGlite
 * instance in memory while initdb runs):
 * - the "initdb" one: nothing but initdb;
 * - the "migrated" one: that, with the migrations of `migrationsDir` applied
 *   exactly as a first start would apply them.
 * Each is made only when missing, and appears whole or not at all (written
 * aside, then renamed), so an interrupted build leaves no half template.
 * Templates of other PGlite versions or other migrations are removed.
 * Returns the directories it made.
 */
export async function prepareEmbeddedTemplate(migrationsDir: string = defaultMigrationsDir()): Promise<string[]> {
  const initdb = embeddedTemplateDir("initdb");
  const migrated = embeddedTemplateDir("migrated", migrationsDir);
  const made: string[] = [];
  if (
    await makeAtomically(initdb, async (scratch) => {
      const db = await PGlite.create({ dataDir: scratch });
      await db.close();
      return scratch;
    })
  ) {
    made.push(initdb);
  }
  if (
    await makeAtomically(migrated, async (scratch) => {
      const database = await startEmbeddedDatabase({ dataDir: scratch, template: initdb });
      try {
        await runMigrations({ databaseUrl: database.url, dir: migrationsDir });
      } finally {
        await database.stop();
      }
      return path.join(scratch, "pglite");
    })
  ) {
    made.push(migrated);
  }
  const parent = path.dirname(initdb);
  for (const entry of await readdir(parent)) {
    const dir = path.join(parent, entry);
    if (dir !== initdb && dir !== migrated && !entry.includes(".partial-")) await rm(dir, { recursive: true, force: true });
  }
  return made;
}

/** Makes `dir` with `make` in a scratch directory (make returns the data directory inside it), unless it exists. */
async function makeAtomically(dir: string, make: (scratch: string) => Promise<string>): Promise<boolean> {
  if (existsSync(path.join(dir, "PG_VERSION"))) return false;
  await mkdir(path.dirname(dir), { recursive: true });
  const scratch = await mkdtemp(`${dir}.partial-`);
  try {
    await rename(await make(scratch), dir);
    return true;
  } catch (error) {
    // Another build made it meanwhile (rename onto a directory that is not empty).
    if (existsSync(path.join(dir, "PG_VERSION"))) return false;
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
