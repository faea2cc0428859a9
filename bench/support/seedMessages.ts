/**
 * Bulk seeding for the benchmarks: rows written by SQL (not AppendMessages),
 * valid under the schema's constraints. content_hash is the SHA-256 of the
 * content, context_hash a SHA-256 too (of the message's position, not the
 * service's hash chain), token_count an estimate; session statistics are
 * recomputed from the messages afterwards (recomputeSessionStatistics), as
 * the appends would have left them. Everything goes to the tenant 'default',
 * the one a server running open serves.
 */
import { sql, type DatabasePool } from "slonik";
import { z } from "zod";
import type { Embedder } from "../../src/embedding/Embedder.js";

export type SeedMessage = {
  userId: string;
  sessionId: string;
  messageIndex: number;
  role: "user" | "assistant";
  content: string;
  createdAt: Date;
};

/**
 * Inserts one batch of messages in one transaction: their sessions (index 0
 * creates the session), the messages, and with `embedder` their embeddings
 * (what the worker would have stored, so the queue stays empty). Returns the
 * seconds spent embedding.
 */
export async function insertSeedMessages(pool: DatabasePool, rows: readonly SeedMessage[], embedder: Embedder | null): Promise<number> {
  let embedSeconds = 0;
  let vectors: string[] = [];
  if (embedder) {
    const t0 = performance.now();
    const embedded = await embedder.embed(rows.map((r) => r.content));
    // 9 significant digits: the same float32 as the worker's full repr, in half the text.
    vectors = embedded.map((v) => `[${Array.from(v, (x) => (x === 0 ? "0" : x.toPrecision(9))).join(",")}]`);
    embedSeconds = (performance.now() - t0) / 1000;
  }
  await pool.transaction(async (tx) => {
    const sessions = rows.filter((r) => r.messageIndex === 0).map((r) => [r.userId, r.sessionId, r.createdAt.toISOString()]);
    if (sessions.length > 0) {
      await tx.query(sql.unsafe`
        INSERT INTO sessions (tenant_id, user_id, id, created_at, updated_at, last_activity_at)
        SELECT 'default', t.user_id, t.id, t.created_at, t.created_at, t.created_at
        FROM ${sql.unnest(sessions, ["text", "text", "timestamptz"])} AS t(user_id, id, created_at)
        ON CONFLICT DO NOTHING`);
    }
    await tx.query(sql.unsafe`
      INSERT INTO messages (tenant_id, user_id, session_id, message_index, id, role, type, content, metadata,
                            content_hash, context_hash, token_count, created_at)
      SELECT 'default', t.user_id, t.session_id, t.message_index, gen_random_uuid(), t.role, 'text', t.content, '{}'::jsonb,
             sha256(convert_to(t.content, 'UTF8')),
             sha256(convert_to(t.session_id || ':' || t.message_index::text, 'UTF8')),
             t.token_count, t.created_at
      FROM ${sql.unnest(
        rows.map((r) => [r.userId, r.sessionId, r.messageIndex, r.role, r.content, Math.ceil(r.content.length / 4), r.createdAt.toISOString()]),
        ["text", "text", "int8", "text", "text", "int4", "timestamptz"],
      )} AS t(user_id, session_id, message_index, role, content, token_count, created_at)`);
    if (embedder) {
      await tx.query(sql.unsafe`
        INSERT INTO message_embeddings (tenant_id, user_id, session_id, message_index, model, embedding, created_at)
        SELECT 'default', t.user_id, t.session_id, t.message_index, ${embedder.modelName}, t.embedding::vector, t.created_at
        FROM ${sql.unnest(
          rows.map((r, i) => [r.userId, r.sessionId, r.messageIndex, vectors[i]!, r.createdAt.toISOString()]),
          ["text", "text", "int8", "text", "timestamptz"],
        )} AS t(user_id, session_id, message_index, embedding, created_at)`);
    }
  });
  return embedSeconds;
}

/** Sets the statistics columns of these sessions from their messages, as the appends would have left them. */
export async function recomputeSessionStatistics(pool: DatabasePool, sessions: readonly (readonly [userId: string, sessionId: string])[]): Promise<void> {
  await pool.query(sql.unsafe`
    UPDATE sessions s
    SET message_count = a.n, user_message_count = a.n_user, assistant_message_count = a.n_assistant,
        total_tokens = a.tokens, total_characters = a.characters, content_bytes = a.bytes,
        first_message_at = a.first_at, last_message_at = a.last_at, last_activity_at = a.last_at, updated_at = a.last_at,
        last_context_hash = a.last_hash
    FROM (
      SELECT m.user_id, m.session_id, count(*) AS n,
             count(*) FILTER (WHERE m.role = 'user') AS n_user, count(*) FILTER (WHERE m.role = 'assistant') AS n_assistant,
             sum(m.token_count) AS tokens, sum(length(m.content)) AS characters, sum(octet_length(m.content)) AS bytes,
             min(m.created_at) AS first_at, max(m.created_at) AS last_at,
             (array_agg(m.context_hash ORDER BY m.message_index DESC))[1] AS last_hash
      FROM messages m
      JOIN ${sql.unnest(sessions.map(([u, s]) => [u, s]), ["text", "text"])} AS k(user_id, session_id)
        ON k.user_id = m.user_id AND k.session_id = m.session_id
      WHERE m.tenant_id = 'default'
      GROUP BY m.user_id, m.session_id
    ) a
    WHERE s.tenant_id = 'default' AND s.user_id = a.user_id AND s.id = a.session_id`);
}

const existsRow = z.object({ present: z.boolean() });

/** Whether the HNSW index of message_embeddings exists. */
export async function hnswIndexPresent(pool: DatabasePool): Promise<boolean> {
  return pool.oneFirst(sql.type(existsRow)`SELECT to_regclass('message_embeddings_hnsw_idx') IS NOT NULL AS present`);
}

/**
 * Drops the HNSW index before a bulk insert: inserting tens of thousands of
 * rows one by one into it is far slower than building it again once (PGlite
 * is WebAssembly).
 */
export async function dropHnswIndex(pool: DatabasePool): Promise<void> {
  await pool.query(sql.unsafe`DROP INDEX IF EXISTS message_embeddings_hnsw_idx`);
}

/** Builds the HNSW index with the migration's statement; returns the seconds it took. */
export async function buildHnswIndex(pool: DatabasePool, options: { rows?: number } = {}): Promise<number> {
  const t0 = performance.now();
  // More maintenance_work_mem only lets the graph be built in memory (the
  // index is the same): about 2 KiB per 384-dimension vector and its links,
  // so a million needs some 2 GB (PostgreSQL; the embedded database stays at
  // 512 MB, its WebAssembly heap being the limit).
  const megabytes = Math.min(4096, Math.max(512, Math.ceil(((options.rows ?? 0) * 2.5) / 1024)));
  await pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT set_config('maintenance_work_mem', ${`${megabytes}MB`}, true)`);
    // A million vectors take longer than the service's statement timeout.
    await tx.query(sql.unsafe`SELECT set_config('statement_timeout', '0', true)`);
    await tx.query(sql.unsafe`CREATE INDEX message_embeddings_hnsw_idx ON message_embeddings USING hnsw (embedding vector_cosine_ops)`);
  });
  return (performance.now() - t0) / 1000;
}

/** VACUUM (ANALYZE) of the tables (what autovacuum, or the embedded database's maintenance, would have done by then); returns seconds. */
export async function vacuumAnalyze(pool: DatabasePool, tables: readonly string[]): Promise<number> {
  const t0 = performance.now();
  // VACUUM cannot run in a transaction, so the timeout is lifted for the session, then restored.
  await pool.connect(async (connection) => {
    await connection.query(sql.unsafe`SET statement_timeout = 0`);
    try {
      for (const table of tables) await connection.query(sql.unsafe`VACUUM (ANALYZE) ${sql.identifier([table])}`);
    } finally {
      await connection.query(sql.unsafe`RESET statement_timeout`);
    }
  });
  return (performance.now() - t0) / 1000;
}
