/**
 * Search benchmark: `npm run bench -- search [--sizes 10000,100000] [--iterations N] [--data-dir DIR] [--keep-prefix P] [--explain]`.
 *
 * Measures Search (semantic, lexical, hybrid) at several corpus sizes: the
 * service through a real gRPC call on loopback (the whole stream collected),
 * against a raw-SQL baseline run in the same process, in the same run,
 * interleaved with it: the statements searchMessages runs, written out as
 * raw SQL (no result parsing) through the service's own pool, with the
 * query vector precomputed. Those statements are:
 *
 *  - when the database stores embeddings (pgvector): the count of messages
 *    in scope still waiting for their embedding, on a pooled connection of
 *    its own, concurrently with the search below (as searchMessages does
 *    when the call does not wait for embeddings);
 *  - lexical: the lexical query (one pooled connection);
 *  - semantic, hybrid: START TRANSACTION, the set_config of
 *    configureVectorScan, the query, COMMIT (one pooled connection).
 *
 * The service embeds the query with the tiny generated model (about 0.1 ms:
 * see test/fixtures/onnx/buildTinyModel.ts), so its figures are the search
 * path itself; what a real model costs per query is measured separately,
 * with all-MiniLM-L6-v2's full architecture (random weights) and its real
 * tokenizer, when ../shared/models/all-MiniLM-L6-v2 is there.
 *
 * Data: messages from bench/search/corpus.ts over 31 users in sessions of 20
 * to 180 messages; the searched user owns 10% of the messages, so the
 * per-user filter matters. Rows are written by bulk SQL (not AppendMessages),
 * valid under the schema's constraints: content_hash is the SHA-256 of the
 * content, context_hash a SHA-256 too (of the message's position, not the
 * service's hash chain), token_count an estimate, session statistics
 * recomputed from the messages. Embeddings are the tiny model's, computed by
 * the service's own embedder (what its worker would have stored), so the
 * message_embedding_queue is empty; the HNSW index is dropped for the bulk
 * insert and created again exactly as the migration does, then the tables are
 * vacuumed and analysed (what autovacuum, or the embedded database's
 * maintenance, would have done by then). The tiny model's vectors come from
 * token ids, not meaning: what matters here is the HNSW index and the SQL.
 * The service runs without an embedding worker (nothing is queued).
 *
 * Each size also reports whether service and raw return the same ids in the
 * same order for a few queries (the baseline does the same work), and the
 * recall of the HNSW search against the exact nearest neighbours.
 *
 * Each size gets a database of its own. Seeding 100,000 messages on the
 * embedded database takes two to three minutes, most of it building the
 * HNSW index (WebAssembly); --data-dir DIR keeps the databases
 * (DIR/messages-<size>) for the next run, which then only adds what is
 * missing. Without pgvector (native PostgreSQL here), only lexical runs.
 *
 * On the embedded database the service has one pooled connection
 * (pglite-socket interleaves the protocol messages of concurrent
 * connections, electric-sql/pglite#1046), so there the pending count and the
 * search run one after the other; the baseline goes through the same pool.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomUUID } from "node:crypto";
import { pino } from "pino";
import { sql, type DatabasePool } from "slonik";
import { z } from "zod";
import pgvector from "pgvector";
import * as grpc from "@grpc/grpc-js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { RRF_K } from "../../src/db/queries/selectSearchHits.js";
import { searchMessages, type SearchModeName } from "../../src/domain/search/searchMessages.js";
import type { Embedder } from "../../src/embedding/Embedder.js";
import { loadEmbedder } from "../../src/embedding/loadEmbedder.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import { limits } from "../../src/validation/limits.js";
import { prepareSearchModelDir } from "../../test/fixtures/onnx/prepareSearchModelDir.js";
import {
  prepareTestModelDir,
  removeTestModelDir,
  sharedTokenizerUnavailableReason,
} from "../../test/fixtures/onnx/prepareTestModelDir.js";
import { collectSearch } from "../../test/support/collectSearch.js";
import { checkHealth, HealthClient } from "../../test/support/healthClient.js";
import { comparisonTable, Samples, time, type Comparison } from "../support/stats.js";
import {
  buildHnswIndex,
  dropHnswIndex,
  hnswIndexPresent,
  insertSeedMessages,
  recomputeSessionStatistics,
  vacuumAnalyze,
  type SeedMessage,
} from "../support/seedMessages.js";
import { createCorpus, type Corpus } from "./corpus.js";

export type SearchBenchOptions = {
  /** PostgreSQL to run against; undefined runs on the embedded database. */
  databaseUrl?: string;
  /** How the report names the database (default: embedded PGlite or PostgreSQL). */
  title?: string;
  /** Corpus sizes (messages, all users), measured in increasing order on the same database. */
  sizes: number[];
  /** Measured iterations per size and mode. */
  iterations: number;
  /**
   * Embedded only: keep the databases here (one per size, in
   * messages-<size>) and reuse what an earlier run seeded (default: a
   * temporary directory, removed afterwards).
   */
  dataDir?: string;
  /**
   * PostgreSQL only: the bench users' prefix, kept for the next run, which
   * then only adds what is missing (default: a fresh prefix, removed
   * afterwards). Seeding a million messages takes half an hour on a loaded
   * 2-core machine. Use one prefix per size.
   */
  keepPrefix?: string;
  /** Also print EXPLAIN ANALYZE of each mode's query at the largest size. */
  explain?: boolean;
  /** Measure the query embedding of the MiniLM architecture (once per bench run is enough). */
  queryEmbedding?: boolean;
  log?: (message: string) => void;
};

const MODES: readonly SearchModeName[] = ["semantic", "lexical", "hybrid"];
const PROTO_MODE: Record<SearchModeName, SearchMode> = {
  semantic: SearchMode.SEARCH_MODE_SEMANTIC,
  lexical: SearchMode.SEARCH_MODE_LEXICAL,
  hybrid: SearchMode.SEARCH_MODE_HYBRID,
};
const TOP_K = limits.searchDefaultTopK;
const WARM_UP = 20;
const QUERY_COUNT = 60;
const AGREEMENT_QUERIES = 6;

// ---------------------------------------------------------------------------
// Layout: which user, session and index message `ordinal` has.

/** Session lengths of one cycle of 1,000 messages (10 sessions). */
const CYCLE = [40, 160, 80, 100, 20, 180, 120, 60, 140, 100] as const;
const CYCLE_SIZE = 1_000;
/** The searched user's session in each cycle: 100 of 1,000 messages. */
const SEARCHED_SLOT = 3;
const OTHER_USERS = 30;
const CYCLE_STARTS = CYCLE.map((_, i) => CYCLE.slice(0, i).reduce((a, b) => a + b, 0));
const BASE_TIME = Date.UTC(2026, 0, 5, 8, 0, 0);

type Position = { userId: string; sessionId: string; messageIndex: number; role: "user" | "assistant"; createdAt: Date };

function layout(prefix: string) {
  const userId = (n: number) => `${prefix}-u${String(n).padStart(2, "0")}`;
  const searchedUser = userId(0);
  const users = Array.from({ length: OTHER_USERS + 1 }, (_, n) => userId(n));
  const position = (ordinal: number): Position => {
    const cycle = Math.floor(ordinal / CYCLE_SIZE);
    const offset = ordinal % CYCLE_SIZE;
    let slot = CYCLE_STARTS.length - 1;
    while (CYCLE_STARTS[slot]! > offset) slot--;
    const messageIndex = offset - CYCLE_STARTS[slot]!;
    const owner = slot === SEARCHED_SLOT ? 0 : 1 + ((cycle * 9 + (slot < SEARCHED_SLOT ? slot : slot - 1)) % OTHER_USERS);
    return {
      userId: userId(owner),
      sessionId: `${prefix}-s${cycle * CYCLE.length + slot}`,
      messageIndex,
      role: messageIndex % 2 === 0 ? "user" : "assistant",
      // One message every 30 s: 100,000 messages span about five weeks.
      createdAt: new Date(BASE_TIME + ordinal * 30_000),
    };
  };
  /** Ordinals of the searched user's messages in the first `size` messages, in order. */
  const searchedOrdinal = (i: number) => Math.floor(i / CYCLE[SEARCHED_SLOT]) * CYCLE_SIZE + CYCLE_STARTS[SEARCHED_SLOT]! + (i % CYCLE[SEARCHED_SLOT]);
  return { searchedUser, users, position, searchedOrdinal };
}

type Layout = ReturnType<typeof layout>;

// ---------------------------------------------------------------------------
// Seeding.

const countRow = z.object({ n: z.number() });

type SeedReport = { messages: number; seconds: number; embedSeconds: number; indexSeconds: number; vacuumSeconds: number };

/**
 * Brings the bench users' messages to `target` (ordinals from what is there
 * already), with embeddings when `embedder` is given.
 */
async function seedUpTo(
  pool: DatabasePool,
  corpus: Corpus,
  plan: Layout,
  target: number,
  embedder: Embedder | null,
  log: (message: string) => void,
  embedded: boolean,
): Promise<SeedReport> {
  const started = performance.now();
  const existing = await pool.oneFirst(sql.type(countRow)`
    SELECT count(*)::int8 AS n FROM messages WHERE user_id = ANY(${sql.array(plan.users, "text")})`);
  if (existing > target) throw new Error(`the database already holds ${existing} bench messages, more than ${target}: use a fresh --data-dir`);
  const report: SeedReport = { messages: target - existing, seconds: 0, embedSeconds: 0, indexSeconds: 0, vacuumSeconds: 0 };
  if (existing < target) {
    if (embedder && target - existing > 1_000) await dropHnswIndex(pool);
    const chunk = 2_000;
    const touched = new Map<string, readonly [string, string]>();
    for (let from = existing; from < target; from += chunk) {
      const to = Math.min(target, from + chunk);
      const rows: SeedMessage[] = Array.from({ length: to - from }, (_, i) => {
        const p = plan.position(from + i);
        touched.set(`${p.userId}\u0000${p.sessionId}`, [p.userId, p.sessionId]);
        return { ...p, content: corpus.messageText(from + i, p.role) };
      });
      report.embedSeconds += await insertSeedMessages(pool, rows, embedder);
      if ((to - existing) % 20_000 === 0 || to === target) log(`seeded ${to.toLocaleString("en")} / ${target.toLocaleString("en")} messages`);
    }
    await recomputeSessionStatistics(pool, [...touched.values()]);
  }
  if (embedder && !(await hnswIndexPresent(pool))) {
    log("building the HNSW index…");
    report.indexSeconds = await buildHnswIndex(pool, { rows: embedded ? 0 : target });
  }
  if (report.messages > 0 || report.indexSeconds > 0) {
    report.vacuumSeconds = await vacuumAnalyze(pool, ["sessions", "messages", ...(embedder ? ["message_embeddings"] : [])]);
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}

// ---------------------------------------------------------------------------
// The raw-SQL baseline: searchMessages' statements (src/db/queries/selectSearchHits.ts),
// written out, through the same pool, without result parsing.

type RawHit = { id: string; score: number };

const rawColumns = sql.fragment`
  m.id::text AS id, m.user_id, m.session_id, m.message_index, m.role, m.type, m.content, m.metadata,
  m.parent_message_id::text AS parent_message_id,
  encode(m.content_hash, 'hex') AS content_hash, encode(m.context_hash, 'hex') AS context_hash,
  m.token_count, m.created_at
`;

const rawNearest = (userId: string, vector: string, model: string, limit: number) => sql.fragment`
  SELECT m.session_id, m.message_index, e.embedding <=> ${vector}::vector AS distance
  FROM message_embeddings e
  JOIN messages m ON m.tenant_id = e.tenant_id AND m.user_id = e.user_id AND m.session_id = e.session_id AND m.message_index = e.message_index
  WHERE e.tenant_id = 'default' AND e.user_id = ${userId} AND e.model = ${model} AND m.tenant_id = 'default' AND m.user_id = ${userId}
  ORDER BY e.embedding <=> ${vector}::vector
  LIMIT ${limit}
`;

const rawBestWords = (userId: string, text: string, limit: number) => sql.fragment`
  SELECT m.session_id, m.message_index, ts_rank_cd(m.content_tsv, q.query, 32) AS rank_cd
  FROM messages m, (SELECT ltst_any_word_tsquery(${text}) AS query) q
  WHERE m.tenant_id = 'default' AND m.user_id = ${userId} AND m.content_tsv @@ q.query
  ORDER BY rank_cd DESC, m.created_at DESC
  LIMIT ${limit}
`;

type RawQuery = { userId: string; text: string; vector: string; model: string };

const noHead = sql.fragment``;

function rawStatements(pool: DatabasePool, storage: boolean) {
  const minScore = 0;
  const limit = TOP_K;
  const candidates = Math.min(200, Math.max(50, limit * 2));
  const pending = async (userId: string) => {
    if (!storage) return;
    await pool.query(sql.unsafe`
      SELECT count(*)::int8 AS pending, count(*) FILTER (WHERE q.last_error IS NOT NULL)::int8 AS failing
      FROM message_embedding_queue q
      JOIN messages m ON m.tenant_id = q.tenant_id AND m.user_id = q.user_id AND m.session_id = q.session_id AND m.message_index = q.message_index
      WHERE q.tenant_id = 'default' AND q.user_id = ${userId} AND m.tenant_id = 'default' AND m.user_id = ${userId}`);
  };
  const configure = (efSearch: number) => sql.unsafe`
    SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true) AS iterative_scan,
           set_config('hnsw.ef_search', ${String(efSearch)}, true) AS ef_search`;
  const semantic = ({ userId, vector, model }: RawQuery, head = noHead) => sql.unsafe`
    ${head} SELECT ${rawColumns}, 1 - n.distance AS score,
           row_number() OVER (ORDER BY n.distance, m.created_at DESC, m.session_id, m.message_index) AS semantic_rank,
           NULL::int8 AS lexical_rank
    FROM (${rawNearest(userId, vector, model, limit)}) n
    JOIN messages m ON m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = n.session_id AND m.message_index = n.message_index
    WHERE 1 - n.distance >= ${minScore}
    ORDER BY semantic_rank`;
  const lexical = ({ userId, text }: RawQuery, head = noHead) => sql.unsafe`
    ${head} SELECT ${rawColumns}, w.rank_cd AS score, NULL::int8 AS semantic_rank,
           row_number() OVER (ORDER BY w.rank_cd DESC, m.created_at DESC, m.session_id, m.message_index) AS lexical_rank
    FROM (${rawBestWords(userId, text, limit)}) w
    JOIN messages m ON m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = w.session_id AND m.message_index = w.message_index
    WHERE w.rank_cd >= ${minScore}
    ORDER BY lexical_rank`;
  const hybrid = ({ userId, vector, model, text }: RawQuery, head = noHead) => sql.unsafe`
    ${head} WITH semantic AS (
      SELECT n.session_id, n.message_index,
             row_number() OVER (ORDER BY n.distance, n.session_id, n.message_index) AS rank
      FROM (${rawNearest(userId, vector, model, candidates)}) n
    ), lexical AS (
      SELECT w.session_id, w.message_index,
             row_number() OVER (ORDER BY w.rank_cd DESC, w.session_id, w.message_index) AS rank
      FROM (${rawBestWords(userId, text, candidates)}) w
    ), fused AS (
      SELECT coalesce(s.session_id, l.session_id) AS session_id,
             coalesce(s.message_index, l.message_index) AS message_index,
             coalesce(1.0::float8 / (${RRF_K} + s.rank), 0) + coalesce(1.0::float8 / (${RRF_K} + l.rank), 0) AS score,
             s.rank AS semantic_rank, l.rank AS lexical_rank
      FROM semantic s
      FULL JOIN lexical l ON l.session_id = s.session_id AND l.message_index = s.message_index
    )
    SELECT ${rawColumns}, f.score, f.semantic_rank, f.lexical_rank
    FROM fused f
    JOIN messages m ON m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = f.session_id AND m.message_index = f.message_index
    WHERE f.score >= ${minScore}
    ORDER BY f.score DESC, m.created_at DESC, m.session_id, m.message_index
    LIMIT ${limit}`;
  const vectorQuery = {
    semantic: { efSearch: Math.max(40, limit), statement: semantic },
    hybrid: { efSearch: Math.max(40, candidates), statement: hybrid },
  };

  const search = async (mode: SearchModeName, query: RawQuery): Promise<readonly RawHit[]> => {
    if (mode === "lexical") return (await pool.query(lexical(query))).rows as unknown as RawHit[];
    const { efSearch, statement } = vectorQuery[mode];
    return pool.transaction(async (tx) => {
      await tx.query(configure(efSearch));
      return (await tx.query(statement(query))).rows as unknown as RawHit[];
    });
  };
  /** As searchMessages runs them: the pending count on a connection of its own, while the search runs. */
  const run = async (mode: SearchModeName, query: RawQuery): Promise<readonly RawHit[]> => {
    const counted = pending(query.userId);
    counted.catch(() => {});
    const rows = await search(mode, query);
    await counted;
    return rows;
  };
  /** EXPLAIN (ANALYZE, BUFFERS) of the mode's query, with the service's settings. */
  const explain = async (mode: SearchModeName, query: RawQuery): Promise<string> => {
    const head = sql.fragment`EXPLAIN (ANALYZE, BUFFERS)`;
    const lines = (rows: readonly unknown[]) => rows.map((row) => String((row as Record<string, unknown>)["QUERY PLAN"])).join("\n");
    if (mode === "lexical") return lines((await pool.query(lexical(query, head))).rows);
    const { efSearch, statement } = vectorQuery[mode];
    return pool.transaction(async (tx) => {
      await tx.query(configure(efSearch));
      return lines((await tx.query(statement(query, head))).rows);
    });
  };
  /**
   * Cosine distances of the user's exact top-k (no index), nearest first, for
   * the recall of the HNSW search.
   */
  const exactDistances = async ({ userId, vector, model }: RawQuery): Promise<readonly number[]> =>
    pool.transaction(async (tx) => {
      await tx.query(sql.unsafe`SELECT set_config('enable_indexscan', 'off', true)`);
      const rows = await tx.any(sql.unsafe`
        SELECT e.embedding <=> ${vector}::vector AS distance
        FROM message_embeddings e
        WHERE e.tenant_id = 'default' AND e.user_id = ${userId} AND e.model = ${model}
        ORDER BY 1
        LIMIT ${limit}`);
      return rows.map((row) => Number((row as { distance: number }).distance));
    });
  return { run, explain, exactDistances };
}

// ---------------------------------------------------------------------------

type SizeResult = {
  size: number;
  comparisons: Comparison[];
  /** Same comparisons by mode (service over gRPC vs raw). */
  byMode: Map<SearchModeName, Comparison>;
  seed: SeedReport;
  agreement: { same: number; total: number; details: string[] };
  recall: number | null;
  meanHits: Map<SearchModeName, number>;
};

/**
 * Search at each size of `options.sizes`, for each mode: the service over
 * gRPC, the same search called in-process (searchMessages, no gRPC), and the
 * raw-SQL baseline, interleaved (their order rotating), after a warm-up.
 * Each size has a database of its own and a service started on it.
 */
export async function runSearchBench(options: SearchBenchOptions): Promise<string> {
  const log = options.log ?? (() => {});
  const embedded = options.databaseUrl === undefined;
  const keepData = embedded && options.dataDir !== undefined;
  const dataRoot = keepData ? path.resolve(options.dataDir!) : await mkdtemp(path.join(os.tmpdir(), "ltst-search-bench-"));
  const title = options.title ?? (embedded ? "embedded PGlite" : "PostgreSQL");
  const corpus = createCorpus();
  const modelDir = await prepareSearchModelDir(corpus.vocabulary);
  const sizes = [...new Set(options.sizes)].sort((a, b) => a - b);
  const results: SizeResult[] = [];
  const explains: string[] = [];
  const extraSections: string[] = [];
  let floor: Comparison | undefined;
  let unavailableReason: string | null = null;
  let modes: SearchModeName[] = [...MODES];
  let storage = false;
  try {
    for (const size of sizes) {
      // A fixed prefix on the embedded database (its data can be reused); a
      // fresh one on a shared PostgreSQL, removed afterwards.
      const plan = layout(embedded ? "bench" : (options.keepPrefix ?? `bench-${randomUUID().slice(0, 8)}`));
      const config = loadConfig({
        LTST_GRPC_ADDRESS: "127.0.0.1:0",
        LTST_DATA_DIR: path.join(dataRoot, `messages-${size}`),
        LTST_LOG_LEVEL: "warn",
        LTST_MODEL_DIR: modelDir,
        // The queue stays empty (embeddings are seeded with the messages): a
        // worker would only poll, adding queries that are not Search's.
        LTST_EMBEDDING_WORKER: "false",
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      });
      const service = await startService(config, pino({ level: "warn" }));
      // No default deadline: calls as bare as the generated clients make them.
      const clients = createMemoryClient({ address: `127.0.0.1:${service.port}`, defaultDeadlineMs: Infinity });
      try {
        const pool = service.db.pool;
        const { embedder } = service.embeddings;
        storage = service.embeddings.storage;
        unavailableReason = service.embeddings.unavailableReason;
        modes = MODES.filter((mode) => embedder !== null || mode === "lexical");
        const queries = corpus.queries(QUERY_COUNT, (i) => corpus.messageText(plan.searchedOrdinal(i * 7), "user"));

        log(`${title}: seeding ${size.toLocaleString("en")} messages…`);
        const seed = await seedUpTo(pool, corpus, plan, size, storage ? embedder : null, log, embedded);
        const pendingNow = await pool.oneFirst(sql.type(countRow)`
          SELECT count(*)::int8 AS n FROM message_embedding_queue WHERE user_id = ANY(${sql.array(plan.users, "text")})`);
        if (pendingNow > 0) log(`warning: ${pendingNow} bench messages wait for an embedding`);
        const searchedCount = await pool.oneFirst(sql.type(countRow)`
          SELECT count(*)::int8 AS n FROM messages WHERE user_id = ${plan.searchedUser}`);
        log(`${title}, ${size.toLocaleString("en")} messages (${searchedCount.toLocaleString("en")} of the searched user): measuring…`);

        const measured = await measureSize({ service, clients, plan, queries, modes, size, iterations: options.iterations });
        results.push({ ...measured, seed });
        if (options.explain && size === sizes[sizes.length - 1]) explains.push(...(await measured.explain()));
        if (size === sizes[sizes.length - 1]) {
          floor = await measureFloor(clients, pool, options.iterations);
          if (options.queryEmbedding && embedder) extraSections.push(await queryEmbeddingTable(embedder, queries, options.iterations, log));
        }
      } finally {
        clients.close();
        if (!embedded && options.keepPrefix === undefined) {
          // On a shared PostgreSQL, leave nothing behind (messages go with their sessions).
          await service.db.pool.query(sql.unsafe`DELETE FROM sessions WHERE user_id = ANY(${sql.array(plan.users, "text")})`).catch(() => undefined);
        }
        await service.stop(1000);
      }
    }
  } finally {
    await rm(modelDir, { recursive: true, force: true });
    if (!keepData) await rm(dataRoot, { recursive: true, force: true });
  }

  const lines: string[] = [
    comparisonTable(
      `Search on ${title}: gRPC on loopback (whole stream) vs raw SQL through the same pool, top_k ${TOP_K}, one user with 10% of the messages`,
      [...results.flatMap((r) => r.comparisons), ...(floor ? [floor] : [])],
    ),
    "",
  ];
  if (modes.length < MODES.length) lines.push(`Skipped: semantic and hybrid on ${title}: ${unavailableReason}`, "");
  for (const r of results) {
    const s = r.seed;
    lines.push(
      `- ${r.size.toLocaleString("en")}: ` +
        (s.messages === 0
          ? `seeded by an earlier run (reused from ${dataRoot})`
          : `seeded ${s.messages.toLocaleString("en")} messages in ${s.seconds.toFixed(1)} s` +
            (storage ? ` (tiny-model embeddings ${s.embedSeconds.toFixed(1)} s, HNSW index ${s.indexSeconds.toFixed(1)} s, vacuum/analyze ${s.vacuumSeconds.toFixed(1)} s)` : "")) +
        `; service and raw agree (same ids, same order) on ${r.agreement.same}/${r.agreement.total} searches` +
        (r.agreement.details.length > 0 ? ` (differ: ${r.agreement.details.join("; ")})` : "") +
        `; mean hits ${modes.map((m) => `${m} ${r.meanHits.get(m)!.toFixed(1)}`).join(", ")}` +
        (r.recall === null ? "" : `; semantic recall@${TOP_K} vs exact nearest neighbours (ties-aware) ${(r.recall * 100).toFixed(1)}%`),
    );
  }
  for (const section of extraSections) lines.push("", section);

  lines.push("", `Summary (${title}; goal: service/raw ≤ 1.3; query embedding not included, see above):`);
  for (const r of results) {
    for (const mode of MODES) {
      const c = r.byMode.get(mode);
      const label = `${r.size.toLocaleString("en")} ${mode}`;
      if (!c) {
        lines.push(`- ${label}: skipped (${unavailableReason})`);
        continue;
      }
      const [s50, b50, s99, b99] = [c.service.percentile(50), c.baseline.percentile(50), c.service.percentile(99), c.baseline.percentile(99)];
      lines.push(
        `- ${label}: service p50 ${s50.toFixed(2)} / p99 ${s99.toFixed(2)} ms, raw p50 ${b50.toFixed(2)} / p99 ${b99.toFixed(2)} ms, ` +
          `ratio p50 ${(s50 / b50).toFixed(2)}, p99 ${(s99 / b99).toFixed(2)}`,
      );
    }
  }
  if (explains.length > 0) lines.push("", ...explains.map((e) => `${e}\n`));
  return lines.join("\n");
}

/** Agreement, recall and the interleaved measurements at one size. */
async function measureSize(ctx: {
  service: RunningService;
  clients: MemoryClient;
  plan: Layout;
  queries: readonly string[];
  modes: readonly SearchModeName[];
  size: number;
  iterations: number;
}): Promise<Omit<SizeResult, "seed"> & { explain(): Promise<string[]> }> {
  const { service, clients, plan, queries, modes, size } = ctx;
  const { embedder, storage } = service.embeddings;
  const raw = rawStatements(service.db.pool, storage);
  // The vector the service computes for each query (same model, same embedder).
  const vectors = embedder ? (await embedder.embed(queries)).map((v) => pgvector.toSql(Array.from(v)) as string) : queries.map(() => "");
  const model = embedder?.modelName ?? "";
  const rawQuery = (i: number): RawQuery => ({ userId: plan.searchedUser, text: queries[i]!, vector: vectors[i]!, model });
  const serviceCall = (mode: SearchModeName, i: number) =>
    collectSearch(clients.search.search({ userId: plan.searchedUser, query: queries[i]!, mode: PROTO_MODE[mode], topK: TOP_K }));
  const domainCall = (mode: SearchModeName, i: number) =>
    searchMessages(
      { db: service.db, embeddings: service.embeddings },
      {
        scope: { tenantId: "default", userId: plan.searchedUser, sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null },
        query: queries[i]!,
        mode,
        topK: TOP_K,
        minScore: 0,
        waitForEmbeddings: false,
      },
      // A live signal, as every gRPC call has: the same cancellation set-up.
      new AbortController().signal,
    );

  // Agreement: the same ids in the same order, service vs raw.
  const agreement = { same: 0, total: 0, details: [] as string[] };
  const meanHits = new Map<SearchModeName, number>();
  for (const mode of modes) {
    let hits = 0;
    for (let q = 0; q < AGREEMENT_QUERIES; q++) {
      const i = (q * 11) % QUERY_COUNT;
      const viaService = (await serviceCall(mode, i)).hits.map((h) => h.message?.id ?? "");
      const viaRaw = (await raw.run(mode, rawQuery(i))).map((r) => r.id);
      hits += viaService.length;
      agreement.total++;
      if (viaService.length === viaRaw.length && viaService.every((id, k) => id === viaRaw[k])) agreement.same++;
      else agreement.details.push(`${mode} "${queries[i]}": service ${viaService.length} hits, raw ${viaRaw.length}`);
    }
    meanHits.set(mode, hits / AGREEMENT_QUERIES);
  }

  // Recall of the HNSW search (iterative scan) against the exact nearest
  // neighbours. Ties-aware: the tiny model gives many messages the same
  // vector (same words), so a hit counts when it is at least as near as the
  // exact k-th, whichever of the tied messages it is.
  let recall: number | null = null;
  if (modes.includes("semantic")) {
    let found = 0;
    let wanted = 0;
    for (let q = 0; q < AGREEMENT_QUERIES * 2; q++) {
      const i = (q * 5) % QUERY_COUNT;
      const exact = await raw.exactDistances(rawQuery(i));
      const approx = (await raw.run("semantic", rawQuery(i))).map((r) => 1 - Number(r.score));
      const kth = exact[exact.length - 1] ?? 0;
      wanted += exact.length;
      found += Math.min(exact.length, approx.filter((d) => d <= kth + 1e-6).length);
    }
    recall = wanted === 0 ? null : found / wanted;
  }

  const sizeLabel = size.toLocaleString("en");
  const byMode = new Map<SearchModeName, Comparison>();
  const domain = new Map<SearchModeName, Comparison>();
  for (const mode of modes) {
    byMode.set(mode, { name: `${mode}, ${sizeLabel} messages`, service: new Samples(), baseline: new Samples() });
    // Against the same raw samples: the in-process call, without the transport.
    domain.set(mode, { name: `${mode}, ${sizeLabel}: in-process searchMessages (no gRPC)`, service: new Samples(), baseline: byMode.get(mode)!.baseline });
  }
  for (let iteration = -WARM_UP; iteration < ctx.iterations; iteration++) {
    const i = ((iteration % QUERY_COUNT) + QUERY_COUNT) % QUERY_COUNT;
    for (const mode of modes) {
      const runs: Array<[Samples, () => Promise<unknown>]> = [
        [byMode.get(mode)!.service, () => serviceCall(mode, i)],
        [byMode.get(mode)!.baseline, () => raw.run(mode, rawQuery(i))],
        [domain.get(mode)!.service, () => domainCall(mode, i)],
      ];
      // Rotate the order so that none always runs first (caches, timers).
      const shift = ((iteration % runs.length) + runs.length) % runs.length;
      for (let k = 0; k < runs.length; k++) {
        const [samples, run] = runs[(k + shift) % runs.length]!;
        const ms = await time(run);
        if (iteration >= 0) samples.add(ms);
      }
    }
  }

  return {
    size,
    comparisons: modes.flatMap((mode) => [byMode.get(mode)!, domain.get(mode)!]),
    byMode,
    agreement,
    recall,
    meanHits,
    async explain() {
      const i = 1;
      const out: string[] = [];
      for (const mode of modes) {
        const text = (await raw.explain(mode, rawQuery(i))).replace(/'\[[-0-9.e,]{100,}\]'/g, "'[…384 floats…]'");
        out.push(`EXPLAIN (ANALYZE, BUFFERS), ${mode}, ${sizeLabel} messages, user ${plan.searchedUser}, query "${queries[i]}":\n\n${text}`);
      }
      return out;
    },
  };
}

/**
 * The floor every RPC pays: a bare gRPC round trip on the same channel
 * (Health/Check answers from memory) against the cheapest query.
 */
async function measureFloor(clients: MemoryClient, pool: DatabasePool, iterations: number): Promise<Comparison> {
  // Health, which the shipped client does not cover, on its channel (closed with it).
  const health = new HealthClient("unused", grpc.credentials.createInsecure(), { channelOverride: clients.grpcClient.getChannel() });
  const floor: Comparison = { name: "floor: Health/Check vs SELECT 1", service: new Samples(), baseline: new Samples() };
  for (let n = -WARM_UP; n < iterations; n++) {
    const a = await time(() => checkHealth(health));
    const b = await time(() => pool.query(sql.unsafe`SELECT 1`));
    if (n >= 0) {
      floor.service.add(a);
      floor.baseline.add(b);
    }
  }
  return floor;
}

/**
 * Query embedding, one query per call, as the service embeds it: the tiny
 * model the service ran with above, and all-MiniLM-L6-v2's architecture
 * (random weights, real tokenizer), interleaved.
 */
async function queryEmbeddingTable(tiny: Embedder, queries: readonly string[], iterations: number, log: (message: string) => void): Promise<string> {
  const header = [
    "### Query embedding (one query per call, not part of the figures above)",
    "",
    "| model | n | p50 ms | p99 ms |",
    "|---|---:|---:|---:|",
  ];
  const unavailable = sharedTokenizerUnavailableReason();
  const tinySamples = new Samples();
  const miniLmSamples = new Samples();
  let miniLm: Embedder | null = null;
  let dir: string | null = null;
  try {
    if (unavailable === null) {
      log("building the MiniLM-architecture model (random weights) for the query-embedding figures…");
      dir = await prepareTestModelDir("minilm-arch");
      miniLm = await loadEmbedder({ modelDir: dir });
    }
    for (let n = -WARM_UP; n < iterations; n++) {
      const query = queries[((n % queries.length) + queries.length) % queries.length]!;
      const t = await time(() => tiny.embed([query]));
      if (n >= 0) tinySamples.add(t);
      if (miniLm) {
        const m = await time(() => miniLm!.embed([query]));
        if (n >= 0) miniLmSamples.add(m);
      }
    }
  } finally {
    await miniLm?.close();
    if (dir) await removeTestModelDir(dir);
  }
  const row = (name: string, s: Samples) => `| ${name} | ${s.count} | ${s.percentile(50).toFixed(3)} | ${s.percentile(99).toFixed(3)} |`;
  return [
    ...header,
    row("tiny generated model (what the service ran with above)", tinySamples),
    miniLm
      ? row("all-MiniLM-L6-v2 architecture, random weights, real tokenizer", miniLmSamples)
      : `| all-MiniLM-L6-v2 architecture: skipped, ${unavailable} | | | |`,
  ].join("\n");
}
