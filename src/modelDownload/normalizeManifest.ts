import { PARTIAL_DIR_NAME, SHA256_HEX } from "./constants.js";
import type { ModelFile } from "./manifest.js";
import { ModelFetchError } from "./modelFetchError.js";

/**
 * Checks a manifest before anything is downloaded, and returns a copy with lowercase
 * digests. A manifest can come from a caller (tests, mirrors), so every `localName` must be
 * a plain file name that cannot escape the model directory or collide with `.partial`, and
 * every `remotePath` a relative path without `.`/`..` segments.
 */
export function normalizeManifest(files: readonly ModelFile[]): ModelFile[] {
  if (files.length === 0) throw new ModelFetchError("INVALID_OPTIONS", "The model manifest lists no files.");
  const seen = new Set<string>();
  return files.map((file) => {
    const { localName, remotePath } = file;
    if (
      typeof localName !== "string" ||
      localName === "" ||
      localName === "." ||
      localName === ".." ||
      localName === PARTIAL_DIR_NAME ||
      /[/\\]/.test(localName) ||
      localName.includes("\0")
    ) {
      throw new ModelFetchError("INVALID_OPTIONS", `Invalid localName ${JSON.stringify(localName)}: must be a plain file name.`);
    }
    if (seen.has(localName)) throw new ModelFetchError("INVALID_OPTIONS", `Duplicate localName ${JSON.stringify(localName)} in the manifest.`);
    seen.add(localName);
    if (
      typeof remotePath !== "string" ||
      remotePath === "" ||
      remotePath.startsWith("/") ||
      remotePath.split("/").some((segment) => segment === "" || segment === "." || segment === "..")
    ) {
      throw new ModelFetchError("INVALID_OPTIONS", `Invalid remotePath ${JSON.stringify(remotePath)} for ${localName}.`);
    }
    let sha256: string | undefined;
    if (file.sha256 !== undefined) {
      sha256 = file.sha256.toLowerCase();
      if (!SHA256_HEX.test(sha256)) {
        throw new ModelFetchError("INVALID_OPTIONS", `Invalid sha256 for ${localName}: expected 64 hex digits, got ${JSON.stringify(file.sha256)}.`);
      }
    }
    if (file.sizeBytes !== undefined && (!Number.isSafeInteger(file.sizeBytes) || file.sizeBytes < 0)) {
      throw new ModelFetchError("INVALID_OPTIONS", `Invalid sizeBytes for ${localName}: ${String(file.sizeBytes)}.`);
    }
    const normalized: ModelFile = { remotePath, localName };
    if (sha256 !== undefined) normalized.sha256 = sha256;
    if (file.sizeBytes !== undefined) normalized.sizeBytes = file.sizeBytes;
    return normalized;
  });
}
