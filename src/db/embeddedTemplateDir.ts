import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { repositoryPath } from "../paths.js";

/**
 * Where the build keeps a freshly initialised PGlite data directory
 * (prepareEmbeddedTemplate), for new embedded databases to start from: one
 * per PGlite version, since a data directory only opens with the PGlite (the
 * PostgreSQL build and catalog) that made it.
 */
export function embeddedTemplateDir(): string {
  // PGlite's package.json is not among its exports: found beside its entry point (dist/index.js).
  const entry = fileURLToPath(import.meta.resolve("@electric-sql/pglite"));
  const manifest = JSON.parse(readFileSync(path.resolve(path.dirname(entry), "..", "package.json"), "utf8")) as { version: string };
  return repositoryPath("dist", "pglite-template", `pglite-${manifest.version}`);
}
