import { sql, type CommonQueryMethods, type FragmentSqlToken } from "slonik";
import { z } from "zod";
import type { RetentionCutoffs } from "../../domain/retention/RetentionPolicies.js";
import type { RoleName } from "../../domain/messages/Message.js";
import { messageColumns, messageRowShape, toMessage } from "./messageRow.js";
import { messageAndSessionRetained } from "./retentionFilters.js";

/** Which of a user's messages a search looks at. */
export type SearchScope = {
  tenantId: string;
  userId: string;
  /** Only these sessions; empty means all. */
  sessionIds: readonly string[];
  /** Only these roles; empty means all. */
  roles: readonly RoleName[];
  /** created_at >= startTime. */
  startTime: Date | null;
  /** created_at < endTime. */
  endTime: Date | null;
  /** metadata @> metadataFilter. */
  metadataFilter: Record<string, unknown> | null;
  /**
   * Leaves out the messages of this session from this index on (Rehydrate's
   * recent window, which it sends anyway). Absent or null: none left out.
   */
  excludeFrom?: { sessionId: string; messageIndex: number } | null;
  /** Leaves out messages past their tenant's age limit, and those of sessions past the inactivity limit. */
  retention?: RetentionCutoffs | undefined;
};

export const searchHitRow = messageRowShape
  .extend({
    score: z.number(),
    semantic_rank: z.number().nullable(),
    lexical_rank: z.number().nullable(),
  })
  .transform(({ score, semantic_rank, lexical_rank, ...message }) => ({
    ...toMessage(message),
    score,
    semanticRank: semantic_rank,
    lexicalRank: lexical_rank,
  }));

export type SearchHitRow = z.output<typeof searchHitRow>;

/** The constant of reciprocal rank fusion: a hit's score is the sum of 1 / (RRF_K + rank). */
export const RRF_K = 60;

/** The scope as conditions on `messages m`. */
function scopeConditions(scope: SearchScope): FragmentSqlToken {
  const conditions = [sql.fragment`m.tenant_id = ${scope.tenantId}`, sql.fragment`m.user_id = ${scope.userId}`];
  if (scope.sessionIds.length > 0) conditions.push(sql.fragment`m.session_id = ANY(${sql.array(scope.sessionIds, "text")})`);
  if (scope.roles.length > 0) conditions.push(sql.fragment`m.role = ANY(${sql.array(scope.roles, "text")})`);
  if (scope.startTime) conditions.push(sql.fragment`m.created_at >= ${sql.timestamp(scope.startTime)}`);
  if (scope.endTime) conditions.push(sql.fragment`m.created_at < ${sql.timestamp(scope.endTime)}`);
  if (scope.metadataFilter) conditions.push(sql.fragment`m.metadata @> ${sql.jsonb(scope.metadataFilter as never)}`);
  if (scope.excludeFrom) {
    conditions.push(
      sql.fragment`NOT (m.session_id = ${scope.excludeFrom.sessionId} AND m.message_index >= ${scope.excludeFrom.messageIndex})`,
    );
  }
  if (scope.retention && (scope.retention.messagesSince !== null || scope.retention.sessionsActiveSince !== null)) {
    conditions.push(messageAndSessionRetained(scope.retention, scope.userId));
  }
  return sql.fragment`${sql.join(conditions, sql.fragment` AND `)}`;
}

/** The `limit` embeddings of the model nearest to `vector` (pgvector text form), nearest first. */
function nearest(scope: SearchScope, query: { vector: string; model: string; limit: number }): FragmentSqlToken {
  return sql.fragment`
    SELECT m.session_id, m.message_index, e.embedding <=> ${query.vector}::vector AS distance
    FROM message_embeddings e
    JOIN messages m ON m.tenant_id = e.tenant_id AND m.user_id = e.user_id AND m.session_id = e.session_id
                   AND m.message_index = e.message_index
    WHERE e.tenant_id = ${scope.tenantId} AND e.user_id = ${scope.userId} AND e.model = ${query.model} AND ${scopeConditions(scope)}
    ORDER BY e.embedding <=> ${query.vector}::vector
    LIMIT ${query.limit}
  `;
}

/** Lexical search's words: lexemes (as to_tsvector stores them), and how many matching messages it ranks at most. */
export type SearchTerms = { terms: readonly string[]; maxCandidates: number };

/** `terms` as a tsquery text matching any of them, each quoted as a literal (quotes and backslashes doubled). */
function anyTermQuery(terms: readonly string[]): string {
  return terms.map((term) => `'${term.replaceAll("\\", "\\\\").replaceAll("'", "''")}'`).join(" | ");
}

/**
 * The `limit` messages that best match any of `terms`, best first
 * (ts_rank_cd, normalised to [0, 1)), among the `maxCandidates` most recent
 * that match: the ranking, whose cost grows with each message's length and
 * the query's, never sees more rows than that, whatever the history's size.
 * The tsquery is a parameter, so the planner plans with its words' statistics
 * (a few rare words: the GIN index; common ones: the newest messages first).
 */
function bestWords(scope: SearchScope, query: SearchTerms & { limit: number }): FragmentSqlToken {
  const tsquery = anyTermQuery(query.terms);
  return sql.fragment`
    SELECT c.session_id, c.message_index, ts_rank_cd(c.content_tsv, ${tsquery}::tsquery, 32) AS rank_cd
    FROM (
      SELECT m.session_id, m.message_index, m.content_tsv, m.created_at
      FROM messages m
      WHERE ${scopeConditions(scope)} AND m.content_tsv @@ ${tsquery}::tsquery
      -- Messages appended together share created_at: the rest of the key
      -- makes the candidates the same on every call.
      ORDER BY m.created_at DESC, m.session_id DESC, m.message_index DESC
      LIMIT ${query.maxCandidates}
    ) c
    ORDER BY rank_cd DESC, c.created_at DESC, c.session_id, c.message_index
    LIMIT ${query.limit}
  `;
}

/**
 * Semantic search: cosine similarity (1 - cosine distance) of the stored
 * embeddings to the query vector, best first. Run it after
 * configureVectorScan in the same transaction.
 */
export async function selectSemanticHits(
  db: CommonQueryMethods,
  scope: SearchScope,
  query: { vector: string; model: string; limit: number; minScore: number },
): Promise<readonly SearchHitRow[]> {
  return db.any(sql.type(searchHitRow)`
    SELECT ${messageColumns}, 1 - n.distance AS score,
           row_number() OVER (ORDER BY n.distance, m.created_at DESC, m.session_id, m.message_index) AS semantic_rank,
           NULL::int8 AS lexical_rank
    FROM (${nearest(scope, query)}) n
    JOIN messages m ON m.tenant_id = ${scope.tenantId} AND m.user_id = ${scope.userId} AND m.session_id = n.session_id AND m.message_index = n.message_index
    WHERE 1 - n.distance >= ${query.minScore}
    ORDER BY semantic_rank
  `);
}

/** Lexical search: PostgreSQL full-text search over the content, any of the terms, best first (none without terms). */
export async function selectLexicalHits(
  db: CommonQueryMethods,
  scope: SearchScope,
  query: SearchTerms & { limit: number; minScore: number },
): Promise<readonly SearchHitRow[]> {
  if (query.terms.length === 0) return [];
  return db.any(sql.type(searchHitRow)`
    SELECT ${messageColumns}, w.rank_cd AS score, NULL::int8 AS semantic_rank,
           row_number() OVER (ORDER BY w.rank_cd DESC, m.created_at DESC, m.session_id, m.message_index) AS lexical_rank
    FROM (${bestWords(scope, query)}) w
    JOIN messages m ON m.tenant_id = ${scope.tenantId} AND m.user_id = ${scope.userId} AND m.session_id = w.session_id AND m.message_index = w.message_index
    WHERE w.rank_cd >= ${query.minScore}
    ORDER BY lexical_rank
  `);
}

/**
 * Hybrid search: reciprocal rank fusion of the best `candidates` of each
 * list; a message's score is the sum over the lists it is in of
 * 1 / (RRF_K + its rank there). Run it after configureVectorScan in the same
 * transaction.
 */
export async function selectHybridHits(
  db: CommonQueryMethods,
  scope: SearchScope,
  query: SearchTerms & { vector: string; model: string; candidates: number; limit: number; minScore: number },
): Promise<readonly SearchHitRow[]> {
  const candidates = { ...query, limit: query.candidates };
  return db.any(sql.type(searchHitRow)`
    WITH semantic AS (
      SELECT n.session_id, n.message_index,
             row_number() OVER (ORDER BY n.distance, n.session_id, n.message_index) AS rank
      FROM (${nearest(scope, candidates)}) n
    ), lexical AS (
      SELECT w.session_id, w.message_index,
             row_number() OVER (ORDER BY w.rank_cd DESC, w.session_id, w.message_index) AS rank
      FROM (${bestWords(scope, candidates)}) w
    ), fused AS (
      SELECT coalesce(s.session_id, l.session_id) AS session_id,
             coalesce(s.message_index, l.message_index) AS message_index,
             coalesce(1.0::float8 / (${RRF_K} + s.rank), 0) + coalesce(1.0::float8 / (${RRF_K} + l.rank), 0) AS score,
             s.rank AS semantic_rank, l.rank AS lexical_rank
      FROM semantic s
      FULL JOIN lexical l ON l.session_id = s.session_id AND l.message_index = s.message_index
    )
    SELECT ${messageColumns}, f.score, f.semantic_rank, f.lexical_rank
    FROM fused f
    JOIN messages m ON m.tenant_id = ${scope.tenantId} AND m.user_id = ${scope.userId} AND m.session_id = f.session_id AND m.message_index = f.message_index
    WHERE f.score >= ${query.minScore}
    ORDER BY f.score DESC, m.created_at DESC, m.session_id, m.message_index
    LIMIT ${query.limit}
  `);
}

const pendingCount = z.object({ pending: z.number(), failing: z.number() });

/**
 * Messages in scope still waiting for their embedding, and how many of those
 * have failed at least once (they are retried with backoff).
 */
export async function countPendingInScope(
  db: CommonQueryMethods,
  scope: SearchScope,
): Promise<{ pending: number; failing: number }> {
  return db.one(sql.type(pendingCount)`
    SELECT count(*)::int8 AS pending, count(*) FILTER (WHERE q.last_error IS NOT NULL)::int8 AS failing
    FROM message_embedding_queue q
    JOIN messages m ON m.tenant_id = q.tenant_id AND m.user_id = q.user_id AND m.session_id = q.session_id AND m.message_index = q.message_index
    WHERE q.tenant_id = ${scope.tenantId} AND q.user_id = ${scope.userId} AND ${scopeConditions(scope)}
  `);
}

const configured = z.object({ iterative_scan: z.string(), ef_search: z.string() });

/**
 * For the rest of the transaction, lets the HNSW index scan go on until
 * enough rows pass the search's filters (pgvector's iterative scan): without
 * it, a scan returns hnsw.ef_search candidates of all users and a user who
 * owns few of them gets few or no hits. Results come in relaxed order, so
 * the queries above sort them again. ef_search is the candidate list size.
 */
export async function configureVectorScan(db: CommonQueryMethods, efSearch: number): Promise<void> {
  await db.one(sql.type(configured)`
    SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true) AS iterative_scan,
           set_config('hnsw.ef_search', ${String(efSearch)}, true) AS ef_search
  `);
}
