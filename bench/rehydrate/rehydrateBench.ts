/**
 * Rehydrate benchmark: `npm run bench -- rehydrate [--sizes 1000,10000,100000] [--iterations N] [--data-dir DIR]`.
 *
 * Rehydrates a session of 1k, 10k and 100k messages (budget 4,000 cl100k
 * tokens, the default 5 recent and 5 relevant messages, a query given) and
 * measures the time to the first chunk and to the last message of the
 * stream (the report), p50 and p99:
 *
 *  - the service, through a real gRPC call on loopback, from a client in a
 *    process of its own (as a gateway would be);
 *  - the same call in-process (rehydrateSession, no gRPC);
 *  - a raw-SQL baseline in the same process, interleaved with both, that
 *    runs the same statements one after another through the service's own
 *    pool, without result parsing: the one statement that reads the session
 *    and its summary, the recent window, the preferences and the live
 *    context entries, then the relevance search (semantic: the
 *    set_config of configureVectorScan and the nearest-neighbour query in a
 *    transaction, with the query vector precomputed; lexical where pgvector
 *    is missing). Its "first chunk" is the end of that first statement.
 *    The statements are written out here on purpose: when the service's SQL
 *    changes, they must change with it.
 *
 * Data, per size: user A owns the rehydrated session (size messages) and a
 * second session of 1,000 messages (relevant messages come from both), a
 * summary, 10 preferences (encrypted, LTST_ENCRYPTION_KEY is set) and 20
 * context entries. Messages are seeded by bulk SQL (bench/support/seedMessages.ts)
 * with the tiny generated model's embeddings, as in the search benchmark;
 * the service runs without an embedding worker.
 *
 * At the largest size it also measures the minimal design's floors:
 * CreateSession and AppendMessages (one message), retrieval (Search,
 * hybrid), context merging (Rehydrate's first chunk: the session context
 * read, counted and packed) and the whole rehydration, p99 against the
 * floors' limits.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import pgvector from "pgvector";
import { pino } from "pino";
import { sql, type DatabasePool } from "slonik";
import { z } from "zod";
import { Role } from "../../gen/ts/ltst/memory/v1/message.js";
import { RehydrateRequest, type RehydrateChunk } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { SearchMode } from "../../gen/ts/ltst/memory/v1/search.js";
import { CreateSessionRequest } from "../../gen/ts/ltst/memory/v1/session.js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { rehydrateSession } from "../../src/domain/rehydrate/rehydrateSession.js";
import { limits } from "../../src/validation/limits.js";
import { createKeyring } from "../../src/crypto/createKeyring.js";
import { parseEncryptionKey } from "../../src/crypto/parseEncryptionKey.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import { prepareSearchModelDir } from "../../test/fixtures/onnx/prepareSearchModelDir.js";
import { collectRehydrate } from "../../test/support/collectRehydrate.js";
import { collectSearch } from "../../test/support/collectSearch.js";
import { createCorpus, type Corpus } from "../search/corpus.js";
import type { ClientCall, ClientTiming } from "./rehydrateClientProcess.js";
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

export type RehydrateBenchOptions = {
  /** PostgreSQL to run against; undefined runs on the embedded database. */
  databaseUrl?: string;
  /** How the report names the database (default: embedded PGlite or PostgreSQL). */
  title?: string;
  /** Messages in the rehydrated session, one database per size. */
  sizes: number[];
  iterations: number;
  /** Embedded only: keep the databases here (DIR/rehydrate-<size>) and reuse them. */
  dataDir?: string;
  log?: (message: string) => void;
};

const BUDGET = 4_000;
const RECENT = 5;
const RELEVANT = 5;
const OTHER_SESSION_MESSAGES = 1_000;
const PREFERENCES = 10;
const CONTEXT_ENTRIES = 20;
const WARM_UP = 20;
const QUERY_COUNT = 60;
const BASE_TIME = Date.UTC(2026, 0, 5, 8, 0, 0);
// A fixed key: a database kept with --data-dir holds preferences sealed with it.
const ENCRYPTION_KEY = `bench:${Buffer.alloc(32, 7).toString("base64")}`;

/** The floors of the minimal design, in milliseconds. */
const FLOORS = {
  rehydration: 5_000,
  retrieval: 2_000,
  contextMerging: 1_000,
  sessionCreation: 500,
  messageStorage: 200,
} as const;

const countRow = z.object({ n: z.number() });

type Plan = { userId: string; bigSession: string; otherSession: string; prefix: string };

async function seed(
  service: RunningService,
  corpus: Corpus,
  plan: Plan,
  size: number,
  log: (message: string) => void,
): Promise<{ seconds: number; seeded: number }> {
  const started = performance.now();
  const pool = service.db.pool;
  const embedder = service.embeddings.storage ? service.embeddings.embedder : null;
  let seeded = 0;
  const sessions: [string, number][] = [
    [plan.bigSession, size],
    [plan.otherSession, OTHER_SESSION_MESSAGES],
  ];
  for (const [sessionId, count] of sessions) {
    const existing = await pool.oneFirst(sql.type(countRow)`
      SELECT count(*)::int8 AS n FROM messages WHERE user_id = ${plan.userId} AND session_id = ${sessionId}`);
    if (existing === count) continue;
    if (existing !== 0) throw new Error(`session ${sessionId} holds ${existing} messages, not ${count}: use a fresh --data-dir`);
    if (embedder && count > 1_000) await dropHnswIndex(pool);
    for (let from = 0; from < count; from += 2_000) {
      const to = Math.min(count, from + 2_000);
      const rows: SeedMessage[] = Array.from({ length: to - from }, (_, i) => {
        const index = from + i;
        const role = index % 2 === 0 ? "user" : "assistant";
        const ordinal = (sessionId === plan.bigSession ? 0 : 10_000_000) + index;
        return {
          userId: plan.userId,
          sessionId,
          messageIndex: index,
          role,
          content: corpus.messageText(ordinal, role),
          createdAt: new Date(BASE_TIME + ordinal * 30_000),
        };
      });
      await insertSeedMessages(pool, rows, embedder);
      seeded += rows.length;
      if (to % 20_000 === 0 || to === count) log(`seeded ${to.toLocaleString("en")} / ${count.toLocaleString("en")} messages of ${sessionId}`);
    }
    await recomputeSessionStatistics(pool, [[plan.userId, sessionId]]);
  }
  if (embedder && !(await hnswIndexPresent(pool))) {
    log("building the HNSW index…");
    await buildHnswIndex(pool);
  }
  if (seeded > 0) await vacuumAnalyze(pool, ["sessions", "messages", ...(embedder ? ["message_embeddings"] : [])]);

  // Summary, preferences and context entries through the API (upserts: a rerun changes nothing).
  const address = `127.0.0.1:${service.port}`;
  const api = createMemoryClient({ address });
  try {
    await api.summaries.updateSummary({
      userId: plan.userId,
      sessionId: plan.bigSession,
      content: corpus.messageText(99_999_999, "assistant"),
      coversThroughIndex: size - 50,
      metadata: undefined,
    });
    for (let i = 0; i < PREFERENCES; i++) {
      await api.preferences.setPreference({ userId: plan.userId, key: `pref-${i}`, value: corpus.messageText(20_000_000 + i, "user").slice(0, 120), metadata: undefined });
    }
    for (let i = 0; i < CONTEXT_ENTRIES; i++) {
      await api.context.upsertContextEntry({
        userId: plan.userId,
        sessionId: plan.bigSession,
        type: i % 2 === 0 ? "project" : "user_info",
        key: `entry-${i}`,
        value: corpus.messageText(30_000_000 + i, "assistant").slice(0, 200),
        relevanceScore: (i % 10) / 10,
        metadata: undefined,
        expireTime: undefined,
        ttl: undefined,
      });
    }
  } finally {
    api.close();
  }
  return { seconds: (performance.now() - started) / 1000, seeded };
}

// ---------------------------------------------------------------------------
// The raw-SQL baseline: rehydrateSession's statements, written out (the
// summary joined on the user, as sessionSummaryJoin does: on Citus the
// correlated subquery this once was went to every shard). Without a
// retention policy the service's retention conditions are constant TRUE and
// removed_message_count is the column's 0.

const rawSessionColumns = sql.fragment`
  s.user_id, s.id, s.name, s.type, s.status, s.metadata, s.relevance_score,
  s.created_at, s.updated_at, s.last_activity_at,
  to_char(s.last_activity_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS activity_cursor,
  s.message_count, 0::int8 AS removed_message_count,
  coalesce(ss.content, '') AS summary
`;

const rawMessageColumns = sql.fragment`
  m.id::text AS id, m.user_id, m.session_id, m.message_index, m.role, m.type, m.content, m.metadata,
  m.parent_message_id::text AS parent_message_id,
  encode(m.content_hash, 'hex') AS content_hash, encode(m.context_hash, 'hex') AS context_hash,
  m.token_count, m.created_at
`;

type RawOutcome = { recentIds: string[]; relevantIds: string[] };

function rawRehydration(pool: DatabasePool, semantic: boolean, model: string) {
  const limit = Math.min(100, RELEVANT * 2 + RECENT);
  return async (plan: Plan, query: { text: string; vector: string }, onFirst?: () => void): Promise<RawOutcome> => {
    const { userId, bigSession: sessionId } = plan;
    const now = new Date().toISOString();
    const snapshot = (await pool.one(sql.unsafe`
      WITH s AS (
        SELECT ${rawSessionColumns} FROM sessions s
        LEFT JOIN session_summaries ss ON ss.tenant_id = s.tenant_id AND ss.user_id = ${userId} AND ss.session_id = s.id
        WHERE s.tenant_id = 'default' AND s.user_id = ${userId} AND s.id = ${sessionId}
      )
      SELECT
        (SELECT to_jsonb(s) FROM s) AS session,
        (SELECT to_jsonb(x) FROM (
           SELECT ss.session_id, ss.content, ss.covers_through_index, ss.token_count, ss.metadata, ss.updated_at
           FROM session_summaries ss, s
           WHERE ss.tenant_id = 'default' AND ss.user_id = ${userId} AND ss.session_id = ${sessionId}
         ) x) AS summary,
        (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.message_index), '[]'::jsonb) FROM (
           SELECT ${rawMessageColumns} FROM messages m, s
           WHERE m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = ${sessionId} AND m.message_index >= s.message_count - ${RECENT}
           ORDER BY m.message_index DESC
           LIMIT ${RECENT}
         ) x) AS recent,
        (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.key COLLATE "C"), '[]'::jsonb) FROM (
           SELECT p.tenant_id, p.user_id, p.key, encode(p.value, 'base64') AS value, p.key_id, p.metadata, p.created_at, p.updated_at
           FROM user_preferences p, s
           WHERE p.tenant_id = 'default' AND p.user_id = ${userId}
           ORDER BY p.key
           LIMIT ${limits.rehydrateMaxPreferences}
         ) x) AS preferences,
        (SELECT count(*) FROM user_preferences p, s WHERE p.tenant_id = 'default' AND p.user_id = ${userId})::int8 AS preference_total,
        (SELECT coalesce(jsonb_agg(to_jsonb(x) ORDER BY x.relevance_score DESC, x.updated_at DESC, x.type COLLATE "C", x.key COLLATE "C"), '[]'::jsonb) FROM (
           SELECT c.tenant_id, c.user_id, c.session_id, c.type, c.key, c.value, c.relevance_score, c.metadata, c.expires_at, c.created_at, c.updated_at
           FROM context_entries c, s
           WHERE c.tenant_id = 'default' AND c.user_id = ${userId} AND c.session_id = ${sessionId} AND (c.expires_at IS NULL OR c.expires_at > ${now}::timestamptz)
           ORDER BY c.relevance_score DESC, c.updated_at DESC, c.type, c.key
           LIMIT ${limits.rehydrateMaxContextEntries}
         ) x) AS context,
        (SELECT count(*) FROM context_entries c, s
         WHERE c.tenant_id = 'default' AND c.user_id = ${userId} AND c.session_id = ${sessionId} AND (c.expires_at IS NULL OR c.expires_at > ${now}::timestamptz))::int8 AS context_total
    `)) as { session: { message_count: number }; recent: { id: string }[] };
    onFirst?.();
    const windowStart = Math.max(0, Number(snapshot.session.message_count) - RECENT);
    const scope = sql.fragment`m.tenant_id = 'default' AND m.user_id = ${userId} AND NOT (m.session_id = ${sessionId} AND m.message_index >= ${windowStart})`;
    let rows: readonly unknown[];
    if (semantic) {
      rows = await pool.transaction(async (tx) => {
        await tx.query(sql.unsafe`
          SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true) AS iterative_scan,
                 set_config('hnsw.ef_search', ${String(Math.max(40, limit))}, true) AS ef_search`);
        return tx.any(sql.unsafe`
          SELECT ${rawMessageColumns}, 1 - n.distance AS score,
                 row_number() OVER (ORDER BY n.distance, m.created_at DESC, m.session_id, m.message_index) AS semantic_rank,
                 NULL::int8 AS lexical_rank
          FROM (
            SELECT m.session_id, m.message_index, e.embedding <=> ${query.vector}::vector AS distance
            FROM message_embeddings e
            JOIN messages m ON m.tenant_id = e.tenant_id AND m.user_id = e.user_id AND m.session_id = e.session_id AND m.message_index = e.message_index
            WHERE e.tenant_id = 'default' AND e.user_id = ${userId} AND e.model = ${model} AND ${scope}
            ORDER BY e.embedding <=> ${query.vector}::vector
            LIMIT ${limit}
          ) n
          JOIN messages m ON m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = n.session_id AND m.message_index = n.message_index
          WHERE 1 - n.distance >= ${0}
          ORDER BY semantic_rank`);
      });
    } else {
      rows = await pool.any(sql.unsafe`
        SELECT ${rawMessageColumns}, w.rank_cd AS score, NULL::int8 AS semantic_rank,
               row_number() OVER (ORDER BY w.rank_cd DESC, m.created_at DESC, m.session_id, m.message_index) AS lexical_rank
        FROM (
          SELECT m.session_id, m.message_index, ts_rank_cd(m.content_tsv, q.query, 32) AS rank_cd
          FROM messages m, (SELECT ltst_any_word_tsquery(${query.text}) AS query) q
          WHERE ${scope} AND m.content_tsv @@ q.query
          ORDER BY rank_cd DESC, m.created_at DESC
          LIMIT ${limit}
        ) w
        JOIN messages m ON m.tenant_id = 'default' AND m.user_id = ${userId} AND m.session_id = w.session_id AND m.message_index = w.message_index
        WHERE w.rank_cd >= ${0}
        ORDER BY lexical_rank`);
    }
    return {
      recentIds: snapshot.recent.map((row) => row.id),
      relevantIds: rows.map((row) => String((row as { id: string }).id)),
    };
  };
}

// ---------------------------------------------------------------------------

type Timing = { first: Samples; last: Samples };
const timing = (): Timing => ({ first: new Samples(), last: new Samples() });

type SizeResult = {
  size: number;
  grpc: Timing;
  inProcess: Timing;
  raw: Timing;
  seed: { seconds: number; seeded: number };
  agreement: { same: number; total: number; details: string[] };
  meanChunks: number;
  relevanceMode: string;
};

/**
 * A gRPC client in a child process (bench/rehydrate/rehydrateClientProcess.ts):
 * a gateway runs in a process of its own, and on the embedded database the
 * service and PGlite already share this process's thread, so decoding the
 * stream here would be charged to the service.
 */
function startClientProcess() {
  const child = fork(fileURLToPath(new URL("./rehydrateClientProcess.js", import.meta.url)), { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  let pending: ((timing: ClientTiming) => void) | null = null;
  child.on("message", (timing: ClientTiming) => {
    const resolve = pending;
    pending = null;
    resolve?.(timing);
  });
  return {
    call: (call: ClientCall) =>
      new Promise<ClientTiming>((resolve, reject) => {
        pending = (timing) => (timing.error ? reject(new Error(timing.error)) : resolve(timing));
        child.send(call);
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.send("exit");
      }),
  };
}

export async function runRehydrateBench(options: RehydrateBenchOptions): Promise<string> {
  const log = options.log ?? (() => {});
  const embedded = options.databaseUrl === undefined;
  const keepData = embedded && options.dataDir !== undefined;
  const dataRoot = keepData ? path.resolve(options.dataDir!) : await mkdtemp(path.join(os.tmpdir(), "ltst-rehydrate-bench-"));
  const title = options.title ?? (embedded ? "embedded PGlite" : "PostgreSQL");
  const corpus = createCorpus();
  const modelDir = await prepareSearchModelDir(corpus.vocabulary);
  const sizes = [...new Set(options.sizes)].sort((a, b) => a - b);
  const results: SizeResult[] = [];
  let floors: string[] = [];
  const parsedKey = parseEncryptionKey(ENCRYPTION_KEY);
  if (!("key" in parsedKey)) throw new Error("bench encryption key");
  try {
    for (const size of sizes) {
      const prefix = embedded ? "rh" : `rh-${randomUUID().slice(0, 8)}`;
      const plan: Plan = { prefix, userId: `${prefix}-user`, bigSession: `${prefix}-big`, otherSession: `${prefix}-other` };
      const config = loadConfig({
        LTST_GRPC_ADDRESS: "127.0.0.1:0",
        LTST_DATA_DIR: path.join(dataRoot, `rehydrate-${size}`),
        LTST_LOG_LEVEL: "warn",
        LTST_MODEL_DIR: modelDir,
        LTST_EMBEDDING_WORKER: "false",
        LTST_ENCRYPTION_KEY: ENCRYPTION_KEY,
        ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
      });
      const service = await startService(config, pino({ level: "warn" }));
      const address = `127.0.0.1:${service.port}`;
      // No default deadline: calls as bare as the generated clients make them.
      const clients = createMemoryClient({ address, defaultDeadlineMs: Infinity });
      const client = startClientProcess();
      try {
        log(`${title}: seeding a session of ${size.toLocaleString("en")} messages…`);
        const seeded = await seed(service, corpus, plan, size, log);
        const { embedder, storage } = service.embeddings;
        const semantic = storage && embedder !== null;
        const queries = corpus.queries(QUERY_COUNT, (i) => corpus.messageText((i * 37) % size, "user"));
        const vectors = semantic ? (await embedder!.embed(queries)).map((v) => pgvector.toSql(Array.from(v)) as string) : queries.map(() => "");
        const raw = rawRehydration(service.db.pool, semantic, embedder?.modelName ?? "");
        const request = (i: number) =>
          RehydrateRequest.fromPartial({ userId: plan.userId, sessionId: plan.bigSession, query: queries[i]!, tokenBudget: BUDGET });
        const deps = { db: service.db, embeddings: service.embeddings, keyring: createKeyring({ current: parsedKey.key }) };
        const inProcess = async (i: number, onFirst: () => void) =>
          rehydrateSession(
            deps,
            {
              tenantId: "default",
              userId: plan.userId,
              sessionId: plan.bigSession,
              query: queries[i]!,
              tokenBudget: BUDGET,
              encoding: "cl100k_base",
              maxRecent: RECENT,
              maxRelevant: RELEVANT,
              currentSessionOnly: false,
              minRelevance: 0,
            },
            { chunk: async () => undefined, report: async () => undefined, onFirstChunk: onFirst },
            new AbortController().signal,
          );

        // Agreement: the service's recent window is the raw one, and its relevant messages come from the raw search's.
        const agreement = { same: 0, total: 0, details: [] as string[] };
        let chunkCount = 0;
        let relevanceMode = "";
        for (let q = 0; q < 6; q++) {
          const i = (q * 11) % QUERY_COUNT;
          const viaService = await collectRehydrate(clients.rehydrate.rehydrate(request(i), { deadline: Date.now() + 20_000 }));
          const viaRaw = await raw(plan, { text: queries[i]!, vector: vectors[i]! });
          const ids = (kind: "recentMessage" | "relevantMessage") =>
            viaService.chunks
              .map((c: RehydrateChunk) => (kind === "recentMessage" ? c.recentMessage?.id : c.relevantMessage?.message?.id))
              .filter((id): id is string => id !== undefined);
          chunkCount += viaService.chunks.length;
          relevanceMode = SearchMode[viaService.report.relevanceMode];
          agreement.total++;
          const recentSame = ids("recentMessage").join() === viaRaw.recentIds.join();
          const relevantWithin = ids("relevantMessage").every((id) => viaRaw.relevantIds.includes(id));
          if (recentSame && relevantWithin && viaService.report.tokensUsed <= BUDGET) agreement.same++;
          else agreement.details.push(`"${queries[i]}": recent ${recentSame ? "same" : "differ"}, relevant ${relevantWithin ? "within" : "outside"}`);
        }

        const result: SizeResult = { size, grpc: timing(), inProcess: timing(), raw: timing(), seed: seeded, agreement, meanChunks: chunkCount / 6, relevanceMode };
        log(`${title}, ${size.toLocaleString("en")} messages: measuring…`);
        for (let iteration = -WARM_UP; iteration < options.iterations; iteration++) {
          const i = ((iteration % QUERY_COUNT) + QUERY_COUNT) % QUERY_COUNT;
          const runs: Array<() => Promise<void>> = [
            async () => {
              const { firstMs, lastMs } = await client.call({ address, request: request(i) });
              if (iteration >= 0) {
                result.grpc.first.add(firstMs);
                result.grpc.last.add(lastMs);
              }
            },
            async () => {
              const started = performance.now();
              let firstMs = -1;
              await raw(plan, { text: queries[i]!, vector: vectors[i]! }, () => (firstMs = performance.now() - started));
              if (iteration >= 0) {
                result.raw.first.add(firstMs);
                result.raw.last.add(performance.now() - started);
              }
            },
            async () => {
              const started = performance.now();
              let firstMs = -1;
              await inProcess(i, () => (firstMs = performance.now() - started));
              if (iteration >= 0) {
                result.inProcess.first.add(firstMs);
                result.inProcess.last.add(performance.now() - started);
              }
            },
          ];
          // Rotate the order so that none always runs first (caches, timers).
          const shift = ((iteration % runs.length) + runs.length) % runs.length;
          for (let k = 0; k < runs.length; k++) await runs[(k + shift) % runs.length]!();
        }
        results.push(result);
        if (size === sizes[sizes.length - 1]) floors = await measureFloors(clients, plan, result, options.iterations, semantic);
      } finally {
        clients.close();
        await client.stop();
        if (!embedded) {
          await service.db.pool.query(sql.unsafe`DELETE FROM sessions WHERE user_id = ${plan.userId}`).catch(() => undefined);
          await service.db.pool.query(sql.unsafe`DELETE FROM user_preferences WHERE user_id = ${plan.userId}`).catch(() => undefined);
          await service.db.pool.query(sql.unsafe`DELETE FROM sessions WHERE user_id = ${`${plan.prefix}-floor`}`).catch(() => undefined);
        }
        await service.stop(1000);
      }
    }
  } finally {
    await rm(modelDir, { recursive: true, force: true });
    if (!keepData) await rm(dataRoot, { recursive: true, force: true });
  }

  const rows: Comparison[] = results.flatMap((r) => {
    const label = `${r.size.toLocaleString("en")} messages`;
    return [
      { name: `to last chunk, ${label}`, service: r.grpc.last, baseline: r.raw.last },
      { name: `to first chunk, ${label} (raw: first statement)`, service: r.grpc.first, baseline: r.raw.first },
      { name: `to last chunk, ${label}: in-process rehydrateSession (no gRPC)`, service: r.inProcess.last, baseline: r.raw.last },
    ];
  });
  const lines = [
    comparisonTable(
      `Rehydrate on ${title}: gRPC on loopback vs the same statements raw, one after another; budget ${BUDGET}, ${RECENT} recent, ${RELEVANT} relevant`,
      rows,
    ),
    "",
  ];
  for (const r of results) {
    lines.push(
      `- ${r.size.toLocaleString("en")}: ` +
        (r.seed.seeded === 0 ? `seeded by an earlier run (${dataRoot})` : `seeded ${r.seed.seeded.toLocaleString("en")} messages in ${r.seed.seconds.toFixed(1)} s`) +
        `; relevance ${r.relevanceMode}; mean ${r.meanChunks.toFixed(1)} chunks; service and raw agree (same recent window, relevant messages among the raw search's) on ${r.agreement.same}/${r.agreement.total}` +
        (r.agreement.details.length > 0 ? ` (differ: ${r.agreement.details.join("; ")})` : ""),
    );
  }
  lines.push("", `Summary (${title}; goals: service/raw ≤ 1.2 to the last chunk; first chunk < 1/5 of the total):`);
  for (const r of results) {
    const [s50, b50, s99, b99] = [r.grpc.last.percentile(50), r.raw.last.percentile(50), r.grpc.last.percentile(99), r.raw.last.percentile(99)];
    const f50 = r.grpc.first.percentile(50);
    lines.push(
      `- ${r.size.toLocaleString("en")}: last chunk p50 ${s50.toFixed(2)} ms (raw ${b50.toFixed(2)}), ratio p50 ${(s50 / b50).toFixed(2)}, p99 ${(s99 / b99).toFixed(2)}; ` +
        `first chunk p50 ${f50.toFixed(2)} ms = ${((f50 / s50) * 100).toFixed(0)}% of the total; ` +
        `in-process/raw p50 ${(r.inProcess.last.percentile(50) / b50).toFixed(2)}`,
    );
  }
  if (floors.length > 0) lines.push("", ...floors);
  return lines.join("\n");
}

/** The minimal design's floors, at the largest size: p99 of each operation against its limit. */
async function measureFloors(
  clients: MemoryClient,
  plan: Plan,
  measured: SizeResult,
  iterations: number,
  semantic: boolean,
): Promise<string[]> {
  const creation = new Samples();
  const storage = new Samples();
  const retrieval = new Samples();
  const floorUser = `${plan.prefix}-floor`;
  const runId = randomBytes(4).toString("hex");
  await clients.sessions.createSession(CreateSessionRequest.fromPartial({ userId: floorUser, sessionId: `${floorUser}-${runId}` }));
  const n = Math.min(iterations, 200);
  for (let i = -WARM_UP; i < n; i++) {
    const c = await time(() => clients.sessions.createSession(CreateSessionRequest.fromPartial({ userId: floorUser, sessionId: `${floorUser}-${runId}-${i + WARM_UP}` })));
    const s = await time(() =>
      clients.messages.appendMessages({
        userId: floorUser,
        sessionId: `${floorUser}-${runId}`,
        idempotencyKey: "",
        messages: [{ role: Role.ROLE_USER, type: "", content: `a message to store, number ${i}`, metadata: undefined, parentMessageId: "" }],
      }),
    );
    const r = await time(() =>
      collectSearch(clients.search.search({ userId: plan.userId, query: "remind me what we decided about the budget", mode: SearchMode.SEARCH_MODE_HYBRID, topK: 10 })),
    );
    if (i >= 0) {
      creation.add(c);
      storage.add(s);
      retrieval.add(r);
    }
  }
  const row = (name: string, samples: Samples, floor: number) => {
    const p99 = samples.percentile(99);
    return `| ${name} | ${samples.count} | ${samples.percentile(50).toFixed(2)} | ${p99.toFixed(2)} | ${floor} | ${Math.floor(floor / p99).toLocaleString("en")}× |`;
  };
  return [
    `### The minimal design's floors, on a session of ${measured.size.toLocaleString("en")} messages (p99 must stay far below)`,
    "",
    "| operation | n | p50 ms | p99 ms | floor ms | floor / p99 |",
    "|---|---:|---:|---:|---:|---:|",
    row("memory rehydration (Rehydrate, to the last chunk)", measured.grpc.last, FLOORS.rehydration),
    row(`retrieval (Search, hybrid${semantic ? "" : " falling back to lexical"}, top 10)`, retrieval, FLOORS.retrieval),
    row("context merging (Rehydrate's first chunk: session context read, counted, packed)", measured.grpc.first, FLOORS.contextMerging),
    row("session creation (CreateSession)", creation, FLOORS.sessionCreation),
    row("message storage (AppendMessages, one message)", storage, FLOORS.messageStorage),
  ];
}
