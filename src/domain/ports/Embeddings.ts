import type { Embedder } from "./Embedder.js";

/** Messages waiting for their embedding, all tenants and users, and how many have failed at least once. */
export type PendingEmbeddings = { readonly pending: number; readonly failing: number };

/*
 * The embeddings port: what search, rehydrate and append need to know about
 * embeddings. src/indexing/startEmbeddings.ts implements it (the model, the
 * queue and its worker); startService passes it in.
 */

/** What search and append need to know about embeddings. */
export type Embeddings = {
  /** The database stores embeddings (pgvector): appends queue new messages for the workers. */
  readonly storage: boolean;
  /** The model, for query embeddings; null when unavailable. */
  readonly embedder: Embedder | null;
  /**
   * Why semantic search cannot run (names what is missing and how to fix
   * it), or null when it can.
   */
  readonly unavailableReason: string | null;
  /** Messages waiting for an embedding, all users (for metrics and logs). */
  pending(): Promise<PendingEmbeddings>;
  /** Wakes this replica's worker, if it runs one (after an append, or for a waiting search). */
  nudge(): void;
  /**
   * Calls `listener` each time this replica's worker finishes a batch that
   * claimed messages (a search waiting for embeddings polls again at once);
   * returns the unsubscribe. Absent or never called without a local worker.
   */
  onBatch?(listener: () => void): () => void;
};
