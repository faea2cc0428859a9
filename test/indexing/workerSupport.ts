/**
 * Shared pieces of the embedding worker tests: fake embedders whose failures
 * and timing the tests control, seeding through the append domain function,
 * and SQL views of the queue and the stored embeddings.
 */
import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "slonik";
import type { TestContext } from "vitest";
import type { Database } from "../../src/db/Database.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { enableVectorStorage } from "../../src/db/queries/enableVectorStorage.js";
import { appendMessages } from "../../src/domain/messages/appendMessages.js";
import { createSession } from "../../src/domain/sessions/createSession.js";
import type { Embedder } from "../../src/embedding/Embedder.js";
import type { EmbeddingWorkerOptions } from "../../src/indexing/startEmbeddingWorker.js";
import type { Backend, BackendName } from "../support/backends.js";

export const DIMENSIONS = 384;

/** A deterministic, L2-normalised vector of 384 floats for `text`. */
export function fakeVector(text: string): Float32Array {
  const seed = createHash("sha256").update(text).digest();
  let state = seed.readUInt32LE(0) || 1;
  const values = new Float32Array(DIMENSIONS);
  let norm = 0;
  for (let i = 0; i < DIMENSIONS; i++) {
    // xorshift32
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const value = state / 0xffffffff - 0.5;
    values[i] = value;
    norm += value * value;
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < DIMENSIONS; i++) values[i] = values[i]! / norm;
  return values;
}

export type FakeEmbedder = Embedder & {
  /** Every embed() call's texts, in call order. */
  readonly calls: string[][];
  /** When set, embed() rejects with this message for a batch that this returns a string for. */
  failWith: ((texts: readonly string[]) => string | null) | null;
  /** Awaited inside every embed() call before answering (to hold a batch in progress). */
  gate: (() => Promise<void>) | null;
};

export function fakeEmbedder(options: Partial<Pick<FakeEmbedder, "failWith" | "gate">> & { modelName?: string } = {}): FakeEmbedder {
  const embedder: FakeEmbedder = {
    modelName: options.modelName ?? "fake-embedder",
    dimensions: DIMENSIONS,
    calls: [],
    failWith: options.failWith ?? null,
    gate: options.gate ?? null,
    async embed(texts) {
      embedder.calls.push([...texts]);
      if (embedder.gate) await embedder.gate();
      const failure = embedder.failWith?.(texts);
      if (failure) throw new Error(failure);
      return texts.map(fakeVector);
    },
    async close() {},
  };
  return embedder;
}

/** A promise the test resolves later: holds an embedder's batch in progress. */
export function latch(): { wait: () => Promise<void>; open: () => void; entered: Promise<void> } {
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const enteredPromise = new Promise<void>((resolve) => (entered = resolve));
  return {
    wait: () => {
      entered();
      return opened;
    },
    open,
    entered: enteredPromise,
  };
}

/** Worker options for deterministic tests (no background loop). */
export function workerOptions(
  db: Database,
  embedder: Embedder,
  overrides: Partial<EmbeddingWorkerOptions> = {},
): EmbeddingWorkerOptions {
  return {
    db,
    embedder,
    batchSize: 10,
    leaseMs: 60_000,
    pollMs: 60_000,
    retryBaseMs: 1_000,
    retryMaxMs: 60_000,
    autoStart: false,
    ...overrides,
  };
}

/** Creates the session and appends `contents` to it, queued for embedding; returns the message indexes. */
export async function seed(
  db: Database,
  userId: string,
  sessionId: string,
  contents: readonly string[],
  options: { enqueueEmbeddings?: boolean } = {},
): Promise<number[]> {
  await createSession(
    { db },
    { id: sessionId, tenantId: "default", userId, name: "", type: "", status: "active", metadata: {}, relevanceScore: 0 },
  );
  const result = await appendMessages(
    { db, summaryEvery: 1_000, enqueueEmbeddings: options.enqueueEmbeddings ?? true },
    {
      tenantId: "default",
      userId,
      sessionId,
      idempotencyKey: null,
      messages: contents.map((content) => ({ role: "user", type: "", content, metadata: {}, parentMessageId: null })),
    },
  );
  return result.messages.map((m) => m.messageIndex);
}

export type QueueRow = {
  user_id: string;
  session_id: string;
  message_index: number;
  content: string;
  attempts: number;
  claim_token: string | null;
  last_error: string | null;
  /** available_at - now(), in milliseconds, as the database sees it. */
  remaining_ms: number;
  /** available_at, in milliseconds since the epoch. */
  available_at_ms: number;
};

/** Queue rows without the time-relative column, to compare two readings. */
export function stableQueue(rows: readonly QueueRow[]): Omit<QueueRow, "remaining_ms">[] {
  return rows.map(({ remaining_ms: _, ...rest }) => rest);
}

export async function queueRows(db: Database): Promise<QueueRow[]> {
  const rows = await db.pool.any(sql.unsafe`
    SELECT q.user_id, q.session_id, q.message_index::int AS message_index, m.content, q.attempts, q.claim_token::text AS claim_token,
           q.last_error, (extract(epoch FROM (q.available_at - now())) * 1000)::float8 AS remaining_ms,
           (extract(epoch FROM q.available_at) * 1000)::float8 AS available_at_ms
    FROM message_embedding_queue q
    JOIN messages m USING (tenant_id, user_id, session_id, message_index)
    ORDER BY q.user_id, q.session_id, q.message_index
  `);
  return rows as unknown as QueueRow[];
}

export type EmbeddingRow = {
  user_id: string;
  session_id: string;
  message_index: number;
  content: string;
  model: string;
  dims: number;
  embedding: number[];
};

export async function embeddingRows(db: Database): Promise<EmbeddingRow[]> {
  const rows = await db.pool.any(sql.unsafe`
    SELECT e.user_id, e.session_id, e.message_index::int AS message_index, m.content, e.model,
           vector_dims(e.embedding) AS dims, e.embedding::text AS embedding
    FROM message_embeddings e
    JOIN messages m USING (tenant_id, user_id, session_id, message_index)
    ORDER BY e.user_id, e.session_id, e.message_index
  `);
  return (rows as unknown as (Omit<EmbeddingRow, "embedding"> & { embedding: string })[]).map((row) => ({
    ...row,
    embedding: JSON.parse(row.embedding) as number[],
  }));
}

/** Asserts-friendly: the largest difference between a stored vector and the fake vector of its content. */
export function vectorError(row: EmbeddingRow): number {
  const expected = fakeVector(row.content);
  let worst = row.embedding.length === expected.length ? 0 : Infinity;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs((row.embedding[i] ?? NaN) - expected[i]!));
  return worst;
}

/** Empties the queue and the stored embeddings (tests share one database per backend). */
export async function resetEmbeddingTables(db: Database, vectors: boolean): Promise<void> {
  await db.pool.query(sql.unsafe`DELETE FROM message_embedding_queue`);
  if (vectors) await db.pool.query(sql.unsafe`DELETE FROM message_embeddings`);
}

/** Makes every queued row claimable now (instead of waiting for its lease or backoff). */
export async function makeAllDue(db: Database): Promise<void> {
  await db.pool.query(sql.unsafe`UPDATE message_embedding_queue SET available_at = now()`);
}

export type OpenedBackend = {
  backend: BackendName;
  db: Database;
  /** Whether the database stores embeddings (pgvector): enableVectorStorage's answer. */
  vectors: boolean;
  /** The PostgreSQL database's URL; undefined for the embedded database. */
  databaseUrl: string | undefined;
  cleanup(): Promise<void>;
};

/** A fresh database of `backend`, migrated and opened, with vector storage enabled where possible. */
export async function openBackend(backend: Backend, poolSize = 8): Promise<OpenedBackend> {
  const database = await backend.create();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-indexing-"));
  let db: Database | undefined;
  try {
    db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir, poolSize });
    const vectors = await enableVectorStorage(db.pool);
    const opened = db;
    return {
      backend: backend.name,
      db: opened,
      vectors,
      databaseUrl: database.databaseUrl,
      async cleanup() {
        await opened.close();
        await database.cleanup();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await db?.close().catch(() => undefined);
    await database.cleanup().catch(() => undefined);
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

/** Skips the current test, with the reason printed, when the backend's database has no pgvector. */
export function requireVectors(opened: OpenedBackend, context: TestContext, what: string): void {
  if (opened.vectors) return;
  const reason =
    `${opened.backend} backend: ${what} needs stored embeddings, and this database has no pgvector ` +
    "(enableVectorStorage returned false)";
  console.warn(`[skip] ${reason}`);
  context.skip(reason);
}
