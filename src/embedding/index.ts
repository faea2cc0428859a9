/** Sentence embeddings with all-MiniLM-L6-v2 on ONNX Runtime. */
export type { Embedder } from "./Embedder.js";
export { loadEmbedder, type LoadEmbedderOptions } from "./loadEmbedder.js";
export { ModelUnavailableError } from "./ModelUnavailableError.js";
export {
  DEFAULT_MAX_BATCH_SIZE,
  EMBEDDING_DIMENSIONS,
  MAX_SEQUENCE_LENGTH,
  MODEL_FILE_CANDIDATES,
  MODEL_NAME,
  TOKENIZER_FILE,
} from "./constants.js";
export { defaultIntraOpThreads } from "./createInferenceSession.js";
