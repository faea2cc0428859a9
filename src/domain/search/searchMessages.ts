import pgvector from "pgvector";
import type { Database } from "../ports/Database.js";
import {
  configureVectorScan,
  countPendingInScope,
  selectHybridHits,
  selectLexicalHits,
  selectSemanticHits,
  type SearchHitRow,
  type SearchScope,
} from "../../db/queries/selectSearchHits.js";
import type { Embeddings } from "../ports/Embeddings.js";
import { FailedPreconditionError } from "../errors.js";
import { waitForEmbeddings } from "./waitForEmbeddings.js";
import { cutoffsFor } from "../retention/cutoffsFor.js";
import type { RetentionOf } from "../retention/RetentionPolicies.js";

export type SearchModeName = "semantic" | "lexical" | "hybrid";

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
 * worker is woken), within the call's deadline.
 */
export async function searchMessages(deps: SearchDeps, request: SearchInput, signal?: AbortSignal): Promise<SearchOutcome> {
  const { db, embeddings } = deps;
  const input = { ...request, scope: { ...request.scope, retention: request.scope.retention ?? cutoffsFor(deps, request.scope.tenantId) } };
  const unavailable = embeddings.unavailableReason;
  if (input.mode === "semantic" && unavailable !== null) {
    throw new FailedPreconditionError(`semantic search is unavailable: ${unavailable}`, "EMBEDDINGS_UNAVAILABLE");
  }
  const effectiveMode: SearchModeName = input.mode === "hybrid" && unavailable !== null ? "lexical" : input.mode;
  const fallbackReason = effectiveMode === input.mode ? "" : `hybrid search fell back to lexical: ${unavailable}`;
  const usesVectors = effectiveMode !== "lexical";

  const countPending = () => db.withConnection(signal, (connection) => countPendingInScope(connection, input.scope));
  let pending: Promise<number> = Promise.resolve(0);
  if (embeddings.storage) {
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

  let vector = "";
  let queryEmbeddingMs = 0;
  if (usesVectors) {
    const started = performance.now();
    const [embedding] = await embeddings.embedder!.embed([input.query]);
    queryEmbeddingMs = performance.now() - started;
    vector = pgvector.toSql(Array.from(embedding!))!;
    signal?.throwIfAborted();
  }
  const model = embeddings.embedder?.modelName ?? "";
  const { scope, topK: limit, minScore } = input;

  let hits: readonly SearchHitRow[];
  if (effectiveMode === "lexical") {
    hits = await db.withConnection(signal, (connection) =>
      selectLexicalHits(connection, scope, { text: input.query, limit, minScore }),
    );
  } else {
    const candidates = Math.min(200, Math.max(50, limit * 2));
    hits = await db.withTransaction(signal, async (tx) => {
      await configureVectorScan(tx, Math.max(40, effectiveMode === "hybrid" ? candidates : limit));
      return effectiveMode === "semantic"
        ? selectSemanticHits(tx, scope, { vector, model, limit, minScore })
        : selectHybridHits(tx, scope, { vector, model, text: input.query, candidates, limit, minScore });
    });
  }
  return { effectiveMode, fallbackReason, pendingEmbeddings: await pending, hits, queryEmbeddingMs };
}
