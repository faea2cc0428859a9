import type { Embeddings } from "../ports/Embeddings.js";

/** Why a search cannot use vectors (names what is missing), or null when it can. */
export function vectorsUnavailableReason(embeddings: Embeddings): string | null {
  return embeddings.unavailableReason ?? (embeddings.embedder === null ? "no model" : null);
}
