import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { embeddedTemplateDir } from "./embeddedTemplateDir.js";

/**
 * Creates the template data directory that new embedded databases copy
 * (startEmbeddedDatabase) instead of running initdb: PGlite's initdb is most
 * of a first start (seconds, and a second PGlite instance in memory while it
 * runs). Nothing but initdb is in it: extensions and the schema come from the
 * migrations, as for any database. Does nothing when the template exists.
 * The directory appears whole or not at all (written aside, then renamed),
 * so an interrupted build leaves no half template. Returns whether it made one.
 */
export async function prepareEmbeddedTemplate(dir: string = embeddedTemplateDir()): Promise<boolean> {
  if (existsSync(path.join(dir, "PG_VERSION"))) return false;
  await mkdir(path.dirname(dir), { recursive: true });
  const scratch = await mkdtemp(`${dir}.partial-`);
  try {
    const db = await PGlite.create({ dataDir: scratch });
    await db.close();
    await rename(scratch, dir);
    return true;
  } catch (error) {
    // Another build made it meanwhile (rename onto a directory that is not empty).
    if (existsSync(path.join(dir, "PG_VERSION"))) return false;
    throw error;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
