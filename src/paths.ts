import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The repository root, found from this file whether it runs from src/ (tests,
 * tsx) or from the compiled dist/src/.
 */
export const repositoryRoot: string = (() => {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return path.basename(path.dirname(here)) === "dist" ? path.resolve(here, "../..") : path.resolve(here, "..");
})();

/** A path inside the repository. */
export const repositoryPath = (...segments: string[]): string => path.join(repositoryRoot, ...segments);
