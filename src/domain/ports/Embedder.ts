/*
 * The embedder port: what the domain (query embeddings) and the indexing
 * worker need of a model. src/embedding/ implements it with ONNX Runtime.
 */

/** A text embedding model, as the rest of the service consumes it. */
export interface Embedder {
  /** Identifies the model, e.g. to store alongside the vectors it produced. */
  readonly modelName: string;
  /** Length of every vector `embed` returns. */
  readonly dimensions: number;
  /**
   * Embeds each text into an L2-normalised vector of `dimensions` floats, in
   * input order. Texts longer than the model's window are truncated. Safe to
   * call concurrently.
   */
  embed(texts: readonly string[]): Promise<Float32Array[]>;
  /** Releases the model. Waits for runs in progress; later `embed` calls fail. */
  close(): Promise<void>;
}
