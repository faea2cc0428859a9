import type { Database } from "../ports/Database.js";
import { countPendingInScope, type SearchHitRow, type SearchScope } from "../../db/queries/selectSearchHits.js";
import type { Embeddings } from "../ports/Embeddings.js";
import { executeSearch, type SearchModeName } from "./executeSearch.js";
import { vectorsUnavailableReason } from "./vectorsUnavailableReason.js";
import { waitForEmbeddings } from "./waitForEmbeddings.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

export type { SearchModeName };

export type SearchInput = {
  scope: SearchScope;
  query: string;
  mode: SearchModeName;
  topK: number;
  minScore: number;
  waitForEmbeddings: boolean;
};

export type SearchOutcome = {
  /** The mode actually used. */
  effectiveMode: SearchModeName;
  /** Why it differs from the requested mode; "" when it does not. */
  fallbackReason: string;
  /** Messages in scope without an embedding when the search ran. */
  pendingEmbeddings: number;
  /** Best first. */
  hits: readonly SearchHitRow[];
  /** Time spent embedding the query, in milliseconds (0 for lexical). */
  queryEmbeddingMs: number;
};

export type SearchDeps = {
  db: Database;
  embeddings: Embeddings;
  /** Messages (and sessions) past their tenant's retention are never found. */
  retention?: RetentionOf | undefined;
};

/**
 * Searches a user's messages. Semantic search needs the model and pgvector
 * (FAILED_PRECONDITION, naming what is missing, otherwise); hybrid search
 * falls back to lexical without them and says why. With waitForEmbeddings,
 * messages in scope that are still queued are embedded first (this replica's
 * worker is woken), within the call's deadline. The search itself runs in
 * executeSearch, as Rehydrate's does; this decides the mode first, since
 * waiting for embeddings only makes sense when vectors will be used.
 */
export async function searchMessages(deps: SearchDeps, request: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
  const { db, embeddings } = deps;
  const input = { ...request, scope: { ...request.scope, retention: request.scope.retention ?? cutoffsFor(deps, request.scope.tenantId) } };
  const unavailable = vectorsUnavailableReason(embeddings);
  const usesVectors = input.mode !== "lexical" && unavailable === null;
  // Semantic without vectors: executeSearch refuses it (FAILED_PRECONDITION), so nothing is counted.
  const refused = input.mode === "semantic" && unavailable !== null;

  const countPending = () => db.withConnection(signal, (connection) => countPendingInScope(connection, input.scope));
  let pending: Promise<number> = Promise.resolve(0);
  if (embeddings.storage && !refused) {
    if (input.waitForEmbeddings && usesVectors) {
      // Read-your-writes: the search starts once nothing in scope is queued
      // (see waitForEmbeddings for the failing ones and the polling pace).
      const counts = await waitForEmbeddings(
        { countPending, nudge: () => embeddings.nudge(), onBatch: embeddings.onBatch?.bind(embeddings) },
        signal,
      );
      pending = Promise.resolve(counts.pending);
    } else {
      // Only reported: counted while the query is embedded and run.
      pending = countPending().then((counts) => counts.pending);
      pending.catch(() => {});
    }
  }

  const { scope, topK: limit, minScore } = input;
  const outcome = await executeSearch(
    { db, embeddings },
    { scope, text: input.query, mode: input.mode, limit, minScore, fallback: "fail" },
    signal,
  );
  return {
    effectiveMode: outcome.mode,
    fallbackReason: outcome.fallback ? `hybrid search fell back to lexical: ${outcome.fallback.reason}` : "",
    pendingEmbeddings: await pending,
    hits: outcome.hits,
    queryEmbeddingMs: outcome.queryEmbeddingMs,
  };
}
