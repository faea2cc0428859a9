import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { repositoryPath } from "../paths.js";

/** Version of an installed package, from the package.json beside its entry point (packages need not export it). */
const versionOf = (name: string): string => {
  let dir = path.dirname(fileURLToPath(import.meta.resolve(name)));
  for (;;) {
    try {
      const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (manifest.name === name && manifest.version) return manifest.version;
    } catch {
      // No package.json at this level.
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json of ${name} above its entry point`);
    dir = parent;
  }
};

/**
 * Where the build keeps template data directories for new embedded
 * databases to start from (prepareEmbeddedTemplate):
 * - "initdb": a freshly initialised PGlite data directory, one per PGlite
 *   version (a data directory only opens with the PostgreSQL build and
 *   catalog that made it);
 * - "migrated": the same with pgvector and every migration of
 *   `migrationsDir` applied, also named by the pgvector build and a hash of
 *   the migrations (names and contents), so that any change to them means a
 *   different directory, which the build makes again.
 */
export function embeddedTemplateDir(kind: "initdb" | "migrated", migrationsDir?: string): string {
  const pglite = `pglite-${versionOf("@electric-sql/pglite")}`;
  if (kind === "initdb") return repositoryPath("dist", "pglite-template", pglite);
  if (!migrationsDir) throw new Error("a migrated template needs the migrations directory");
  const hash = createHash("sha256");
  hash.update(versionOf("@electric-sql/pglite-pgvector"));
  for (const name of readdirSync(migrationsDir).filter((file) => !file.startsWith(".")).sort()) {
    hash.update(`\0${name}\0`).update(readFileSync(path.join(migrationsDir, name)));
  }
  return repositoryPath("dist", "pglite-template", `${pglite}-migrated-${hash.digest("hex").slice(0, 16)}`);
}
