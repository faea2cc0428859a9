import pgvector from "pgvector";
import type { Database } from "../ports/Database.js";
import {
  configureVectorScan,
  selectHybridHits,
  selectLexicalHits,
  selectSemanticHits,
  type SearchHitRow,
  type SearchScope,
  type SearchTerms,
} from "../../db/queries/selectSearchHits.js";
import type { Embeddings } from "../ports/Embeddings.js";
import { abortable } from "../../lib/abortable.js";
import { FailedPreconditionError } from "../errors.js";
import { chooseSearchTerms, MAX_RANKED_CANDIDATES } from "./chooseSearchTerms.js";
import { lexemeStatisticsOf } from "./LexemeStatistics.js";
import type { QueryLexemes } from "../../db/queries/selectQueryLexemes.js";
import { vectorsUnavailableReason } from "./vectorsUnavailableReason.js";

export type SearchModeName = "semantic" | "lexical" | "hybrid";

/** Why a search that asked for vectors ran lexically instead. */
export type SearchFallback =
  /** The model or pgvector is missing; `reason` names what (Embeddings.unavailableReason). */
  | { kind: "unavailable"; reason: string }
  /** The query's embedding failed; `reason` is the error's message. */
  | { kind: "embedding_failed"; reason: string };

export type ExecuteSearchInput = {
  scope: SearchScope;
  /** The query text (lexical terms, and what is embedded). */
  text: string;
  mode: SearchModeName;
  /** Hits wanted, best first. */
  limit: number;
  minScore: number;
  /**
   * What a search that needs vectors does without them. "lexical": runs
   * lexically and says why (SearchFallback). "fail": semantic throws
   * FailedPreconditionError, hybrid still falls back (the Search RPC's
   * documented behaviour), and a failed query embedding is thrown.
   */
  fallback: "lexical" | "fail";
  /**
   * The query's embedding, when the caller started it early (Rehydrate
   * embeds while it reads the session); otherwise the text is embedded here.
   */
  queryEmbedding?: Promise<Float32Array> | null | undefined;
  /**
   * The lexemes of `text`, when the caller has them (Rehydrate reads the
   * stored full-text vector of the message its query is); otherwise the
   * database computes them.
   */
  lexemes?: QueryLexemes | undefined;
};

export type ExecuteSearchOutcome = {
  /** The mode that ran. */
  mode: SearchModeName;
  /** Why it is lexical when vectors were asked for; null when it is not a fallback. */
  fallback: SearchFallback | null;
  /** Best first. */
  hits: readonly SearchHitRow[];
  /** Time spent waiting for the query embedding, in milliseconds (0 for lexical). */
  queryEmbeddingMs: number;
};

export type ExecuteSearchDeps = { db: Database; embeddings: Embeddings };

/**
 * Runs one search of a user's messages: the single place where a query is
 * embedded (or falls back to lexical, with the reason), the HNSW scan is
 * configured, the lexical words are chosen (the query's most selective
 * lexemes, so that the work stays bounded for long queries and long
 * histories), and the semantic, lexical or hybrid query runs. Search and
 * Rehydrate both go through it, so fallbacks and scan settings cannot drift
 * apart.
 */
export async function executeSearch(
  deps: ExecuteSearchDeps,
  input: ExecuteSearchInput,
  signal?: AbortSignal,
): Promise<ExecuteSearchOutcome> {
  const { db, embeddings } = deps;
  const { scope, limit, minScore } = input;
  let mode = input.mode;
  let fallback: SearchFallback | null = null;
  const unavailable = vectorsUnavailableReason(embeddings);
  if (mode !== "lexical" && unavailable !== null) {
    if (mode === "semantic" && input.fallback === "fail") {
      throw new FailedPreconditionError(`semantic search is unavailable: ${unavailable}`, "EMBEDDINGS_UNAVAILABLE");
    }
    mode = "lexical";
    fallback = { kind: "unavailable", reason: unavailable };
  }

  let vector = "";
  let queryEmbeddingMs = 0;
  if (mode !== "lexical") {
    const started = performance.now();
    try {
      const embedding = await abortable(
        input.queryEmbedding ?? embeddings.embedder!.embed([input.text]).then(([first]) => first!),
        signal,
      );
      vector = pgvector.toSql(Array.from(embedding))!;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (input.fallback === "fail") throw error;
      mode = "lexical";
      fallback = { kind: "embedding_failed", reason: (error as Error).message };
    }
    queryEmbeddingMs = performance.now() - started;
  }

  // The lexical words: the query's most selective lexemes (chooseSearchTerms),
  // by the table's statistics (held per database: LexemeStatistics); never
  // fewer candidates ranked than hits wanted.
  const statistics = lexemeStatisticsOf(db);
  const termsOf = async (connection: Parameters<typeof statistics.lexemesOf>[0], wanted: number): Promise<SearchTerms> => {
    const maxCandidates = Math.max(MAX_RANKED_CANDIDATES, wanted);
    const lexemes = input.lexemes ? await statistics.estimate(connection, input.lexemes) : await statistics.lexemesOf(connection, input.text);
    return { terms: chooseSearchTerms(lexemes, maxCandidates), maxCandidates };
  };
  let hits: readonly SearchHitRow[];
  if (mode === "lexical") {
    hits = await db.withConnection(signal, async (connection) =>
      selectLexicalHits(connection, scope, { ...(await termsOf(connection, limit)), limit, minScore }),
    );
  } else {
    const model = embeddings.embedder!.modelName;
    const candidates = Math.min(200, Math.max(50, limit * 2));
    hits = await db.withTransaction(signal, async (tx) => {
      await configureVectorScan(tx, Math.max(40, mode === "hybrid" ? candidates : limit));
      return mode === "semantic"
        ? selectSemanticHits(tx, scope, { vector, model, limit, minScore })
        : selectHybridHits(tx, scope, { ...(await termsOf(tx, candidates)), vector, model, candidates, limit, minScore });
    });
  }
  return { mode, fallback, hits, queryEmbeddingMs };
}
