import { MAX_SEQUENCE_LENGTH, MODEL_NAME } from "./constants.js";
import { createInferenceSession } from "./createInferenceSession.js";
import type { Embedder } from "./Embedder.js";
import { loadTokenizer } from "./loadTokenizer.js";
import { OnnxEmbedder } from "./OnnxEmbedder.js";
import { resolveModelFiles } from "./resolveModelFiles.js";

export interface LoadEmbedderOptions {
  /** Directory holding model.onnx (or model_quantized.onnx) and tokenizer.json. */
  modelDir: string;
  /** ONNX Runtime intra-op threads. Default min(2, available CPUs). */
  intraOpThreads?: number;
  /** Most texts per model run. Default 32. */
  maxBatchSize?: number;
}

/**
 * Loads all-MiniLM-L6-v2 from `modelDir` for embedding: its tokenizer and one
 * ONNX Runtime session, checked with a warm-up run so that a wrong model
 * fails here rather than on the first request.
 *
 * @throws ModelUnavailableError when model.onnx or tokenizer.json is missing
 *   (its message says how to download them).
 */
export async function loadEmbedder(options: LoadEmbedderOptions): Promise<Embedder> {
  const { maxBatchSize, intraOpThreads } = options;
  if (maxBatchSize !== undefined && (!Number.isInteger(maxBatchSize) || maxBatchSize < 1)) {
    throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const files = await resolveModelFiles(options.modelDir);
  const tokenizer = await loadTokenizer(files.tokenizerPath, files.tokenizerConfigPath, {
    maxLength: MAX_SEQUENCE_LENGTH,
  });
  const session = await createInferenceSession(
    files.modelPath,
    intraOpThreads === undefined ? {} : { intraOpThreads },
  );
  let embedder: OnnxEmbedder;
  try {
    embedder = new OnnxEmbedder(session, tokenizer, {
      modelName: MODEL_NAME,
      modelPath: files.modelPath,
      ...(maxBatchSize === undefined ? {} : { maxBatchSize }),
    });
  } catch (error) {
    await session.release();
    throw error;
  }
  try {
    await embedder.embed(["warm-up"]);
  } catch (error) {
    await embedder.close();
    throw error;
  }
  return embedder;
}
