/**
 * Skipping helpers for tests that need the shared all-MiniLM-L6-v2 files
 * (../shared/models/all-MiniLM-L6-v2, outside the repository).
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { sharedTokenizerUnavailableReason } from "../fixtures/onnx/prepareTestModelDir.js";

/** Why tests needing the shared tokenizer are skipped, or null; printed once per file when skipping. */
export function sharedTokenizerSkipReason(suite: string): string | null {
  const reason = sharedTokenizerUnavailableReason();
  if (reason !== null) console.warn(`[skipped] ${suite}: ${reason}`);
  return reason;
}

/** Directory with the real all-MiniLM-L6-v2 weights, for the optional reference-value tests. */
export const REAL_MODEL_DIR_ENV = "LTST_MINILM_MODEL_DIR";

/** The real model directory, or null (printing why) when it is not configured. */
export function realModelDirOrSkip(suite: string): string | null {
  const dir = process.env[REAL_MODEL_DIR_ENV];
  if (dir === undefined || dir === "") {
    console.warn(
      `[skipped] ${suite}: the real all-MiniLM-L6-v2 weights are not available here; ` +
        `set ${REAL_MODEL_DIR_ENV} to a directory with model.onnx and tokenizer.json to compare with the reference values`,
    );
    return null;
  }
  if (!existsSync(path.join(dir, "tokenizer.json"))) {
    console.warn(`[skipped] ${suite}: ${REAL_MODEL_DIR_ENV}=${dir} has no tokenizer.json`);
    return null;
  }
  return dir;
}
