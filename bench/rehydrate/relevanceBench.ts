/**
 * Rehydrate's relevance against the history's size:
 * `DATABASE_URL=... npm run bench -- rehydrate-relevance [--sizes 10000,100000] [--iterations 30]`.
 *
 * One user per size with one session of that many messages of chat text
 * (bench/peers/chatText.ts: 20 to 400 words, a Zipf-like vocabulary), the
 * last user message a long one (300 words), seeded by bulk SQL, with the
 * tiny generated model's embeddings where the database has pgvector. Then,
 * interleaved call by call, in-process (rehydrateSession, no gRPC: the
 * database work is what grows):
 *
 *  - Rehydrate with the defaults: 4,000 tokens, 5 recent and 5 relevant
 *    messages for the latest user message (semantic where pgvector and the
 *    model are, else lexical);
 *  - the baseline, the same call with relevance off (max_relevant_messages
 *    -1): the window-only Rehydrate.
 *
 * The goal (issue "speed"): defaults at most 2x the window-only call at p50,
 * at 10,000 and 100,000 messages. Seeded users are kept (named by size), so
 * a second run on the same database measures without seeding again; the
 * database is the one DATABASE_URL names (use a scratch one: the benchmark
 * analyses and vacuums its tables).
 */
import { pino } from "pino";
import { sql } from "slonik";
import { z } from "zod";
import { rm } from "node:fs/promises";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createKeyring } from "../../src/crypto/createKeyring.js";
import { rehydrateSession, type RehydrationReport } from "../../src/domain/rehydrate/rehydrateSession.js";
import { startService } from "../../src/server/startService.js";
import { prepareSearchModelDir } from "../../test/fixtures/onnx/prepareSearchModelDir.js";
import { chatText } from "../peers/chatText.js";
import { createCorpus } from "../search/corpus.js";
import { buildHnswIndex, dropHnswIndex, insertSeedMessages, recomputeSessionStatistics, vacuumAnalyze } from "../support/seedMessages.js";
import { Samples } from "../support/stats.js";

export type RelevanceBenchOptions = {
  databaseUrl: string;
  sizes: number[];
  iterations: number;
  log?: (message: string) => void;
};

const BUDGET = 4_000;
const RECENT = 5;
const RELEVANT = 5;
const WARM_UP = 3;
const BASE_TIME = Date.UTC(2026, 0, 5, 8, 0, 0);
const countRow = z.object({ n: z.number() });

/** The latest user message: 300 words of chat text. */
const LATEST = `${chatText(424_242, "user")} ${chatText(424_244, "user")} ${chatText(424_246, "user")}`.split(" ").slice(0, 300).join(" ");

export async function runRelevanceBench(options: RelevanceBenchOptions): Promise<string> {
  const log = options.log ?? (() => {});
  const modelDir = await prepareSearchModelDir(createCorpus().vocabulary);
  const config = loadConfig({
    LTST_GRPC_ADDRESS: "127.0.0.1:0",
    LTST_LOG_LEVEL: "warn",
    LTST_MODEL_DIR: modelDir,
    LTST_EMBEDDING_WORKER: "false",
    DATABASE_URL: options.databaseUrl,
  });
  const service = await startService(config, pino({ level: "warn" }));
  const lines = [
    "### Rehydrate with relevance (defaults) vs window only, in-process, by messages of the user",
    "",
    "| messages | relevance | defaults p50 ms | window-only p50 ms | ratio p50 | defaults p99 ms | window-only p99 ms |",
    "|---:|---|---:|---:|---:|---:|---:|",
  ];
  try {
    const pool = service.db.pool;
    const embedder = service.embeddings.storage ? service.embeddings.embedder : null;
    for (const size of [...options.sizes].sort((a, b) => a - b)) {
      const userId = `relevance-${size}`;
      const sessionId = `${userId}-session`;
      const existing = await pool.oneFirst(sql.type(countRow)`
        SELECT count(*)::int8 AS n FROM messages WHERE tenant_id = 'default' AND user_id = ${userId} AND session_id = ${sessionId}`);
      if (existing !== size) {
        if (existing !== 0) throw new Error(`${userId} holds ${existing} messages, not ${size}: use a fresh database`);
        log(`seeding ${size.toLocaleString("en")} messages${embedder ? " with embeddings" : ""}…`);
        if (embedder) await dropHnswIndex(pool);
        for (let from = 0; from < size; from += 2_000) {
          const rows = Array.from({ length: Math.min(2_000, size - from) }, (_, i) => {
            const index = from + i;
            const role = index % 2 === 0 ? ("user" as const) : ("assistant" as const);
            const content = index === size - 2 ? LATEST : chatText(index, role);
            return { userId, sessionId, messageIndex: index, role, content, createdAt: new Date(BASE_TIME + index * 30_000) };
          });
          await insertSeedMessages(pool, rows, embedder);
        }
        await recomputeSessionStatistics(pool, [[userId, sessionId]]);
        if (embedder) await buildHnswIndex(pool, { rows: size });
        await vacuumAnalyze(pool, ["sessions", "messages", ...(embedder ? ["message_embeddings"] : [])]);
      }

      const deps = { db: service.db, embeddings: service.embeddings, keyring: createKeyring({ current: null }) };
      const call = async (maxRelevant: number) => {
        let report: RehydrationReport | null = null;
        const started = performance.now();
        await rehydrateSession(
          deps,
          {
            tenantId: "default",
            userId,
            sessionId,
            query: "",
            tokenBudget: BUDGET,
            encoding: "cl100k_base",
            maxRecent: RECENT,
            maxRelevant,
            currentSessionOnly: false,
            minRelevance: 0,
          },
          { chunk: async () => undefined, report: async (r) => void (report = r) },
          new AbortController().signal,
        );
        return { ms: performance.now() - started, report: report as RehydrationReport | null };
      };
      const defaults = new Samples();
      const window = new Samples();
      let mode = "";
      log(`measuring ${size.toLocaleString("en")}…`);
      for (let i = -Math.min(WARM_UP, options.iterations); i < options.iterations; i++) {
        // Alternate which goes first (caches, timers).
        const order = i % 2 === 0 ? [RELEVANT, 0] : [0, RELEVANT];
        for (const maxRelevant of order) {
          const { ms, report } = await call(maxRelevant);
          if (maxRelevant > 0) mode = `${report?.relevanceMode ?? "none"}${report?.relevanceNote ? ` (${report.relevanceNote.slice(0, 60)}…)` : ""}`;
          if (i >= 0) (maxRelevant > 0 ? defaults : window).add(ms);
        }
      }
      const [d50, w50, d99, w99] = [defaults.percentile(50), window.percentile(50), defaults.percentile(99), window.percentile(99)];
      lines.push(
        `| ${size.toLocaleString("en")} | ${mode} | ${d50.toFixed(2)} | ${w50.toFixed(2)} | ${(d50 / w50).toFixed(2)} | ${d99.toFixed(2)} | ${w99.toFixed(2)} |`,
      );
      log(lines.at(-1)!);
    }
  } finally {
    await service.stop(1000);
    await rm(modelDir, { recursive: true, force: true });
  }
  lines.push("", `${options.iterations} calls of each per size, interleaved; goal: ratio p50 <= 2.`);
  return lines.join("\n");
}
