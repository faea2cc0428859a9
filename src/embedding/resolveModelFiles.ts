import { stat } from "node:fs/promises";
import path from "node:path";
import { MODEL_FILE_CANDIDATES, TOKENIZER_CONFIG_FILE, TOKENIZER_FILE } from "./constants.js";
import { ModelUnavailableError } from "./ModelUnavailableError.js";

/** The files of a model directory that the embedder loads. */
export interface ModelFiles {
  readonly modelDir: string;
  /** The ONNX model: the first of MODEL_FILE_CANDIDATES that exists. */
  readonly modelPath: string;
  readonly tokenizerPath: string;
  /** tokenizer_config.json, which is optional (tokenizer.json is enough for BERT). */
  readonly tokenizerConfigPath: string | null;
}

/**
 * Finds the model and tokenizer files in `modelDir` (resolved to an absolute
 * path). Throws ModelUnavailableError naming `model.onnx` and/or
 * `tokenizer.json` when they are absent (or the directory itself is).
 */
export async function resolveModelFiles(modelDir: string): Promise<ModelFiles> {
  const dir = path.resolve(modelDir);
  let modelPath: string | null = null;
  for (const candidate of MODEL_FILE_CANDIDATES) {
    const file = path.join(dir, candidate);
    if (await isFile(file)) {
      modelPath = file;
      break;
    }
  }
  const tokenizerPath = path.join(dir, TOKENIZER_FILE);
  const hasTokenizer = await isFile(tokenizerPath);

  const missing: string[] = [];
  if (modelPath === null) missing.push("model.onnx");
  if (!hasTokenizer) missing.push(TOKENIZER_FILE);
  if (modelPath === null || !hasTokenizer) throw new ModelUnavailableError(dir, missing);

  const configPath = path.join(dir, TOKENIZER_CONFIG_FILE);
  return {
    modelDir: dir,
    modelPath,
    tokenizerPath,
    tokenizerConfigPath: (await isFile(configPath)) ? configPath : null,
  };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}
