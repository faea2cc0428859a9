/** Facts about the embedding model the service uses: all-MiniLM-L6-v2. */

/** Name reported by the embedder (the model's Hugging Face id). */
export const MODEL_NAME = "sentence-transformers/all-MiniLM-L6-v2";

/** Width of the model's hidden states, hence of the sentence embeddings. */
export const EMBEDDING_DIMENSIONS = 384;

/**
 * Longest input, in tokens including [CLS] and [SEP]: sentence-transformers'
 * max_seq_length for all-MiniLM-L6-v2 (the model was trained on 128 and
 * accepts up to 512 positions; 256 is what sentence-transformers uses).
 */
export const MAX_SEQUENCE_LENGTH = 256;

/** Largest number of texts sent to the model in one run, by default. */
export const DEFAULT_MAX_BATCH_SIZE = 32;

/**
 * Model files looked for in the model directory, in order of preference: the
 * fp32 export, then the int8 one, flat or in an `onnx/` subdirectory (the
 * layout of the Hugging Face repository).
 */
export const MODEL_FILE_CANDIDATES = [
  "model.onnx",
  "model_quantized.onnx",
  "onnx/model.onnx",
  "onnx/model_quantized.onnx",
] as const;

export const TOKENIZER_FILE = "tokenizer.json";
export const TOKENIZER_CONFIG_FILE = "tokenizer_config.json";
