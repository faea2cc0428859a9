import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Database } from "../db/Database.js";
import { countPendingEmbeddings, type PendingEmbeddings } from "../db/queries/countPendingEmbeddings.js";
import { enableVectorStorage } from "../db/queries/enableVectorStorage.js";
import type { Embedder } from "../embedding/Embedder.js";
import { loadEmbedder } from "../embedding/loadEmbedder.js";
import { ModelUnavailableError } from "../embedding/ModelUnavailableError.js";
import type { Metrics } from "../observability/createMetrics.js";
import { traceEmbedder } from "../observability/tracing/traceEmbedder.js";
import { startEmbeddingWorker, type EmbeddingWorker } from "./startEmbeddingWorker.js";

/** What search and append need to know about embeddings. */
export type Embeddings = {
  /** The database stores embeddings (pgvector): appends queue new messages for the workers. */
  readonly storage: boolean;
  /** The model, for query embeddings; null when unavailable. */
  readonly embedder: Embedder | null;
  /**
   * Why semantic search cannot run (names what is missing and how to fix
   * it), or null when it can.
   */
  readonly unavailableReason: string | null;
  /** Messages waiting for an embedding, all users (for metrics and logs). */
  pending(): Promise<PendingEmbeddings>;
  /** Wakes this replica's worker, if it runs one (after an append, or for a waiting search). */
  nudge(): void;
  /**
   * Calls `listener` each time this replica's worker finishes a batch that
   * claimed messages (a search waiting for embeddings polls again at once);
   * returns the unsubscribe. Absent or never called without a local worker.
   */
  onBatch?(listener: () => void): () => void;
};

export type RunningEmbeddings = Embeddings & {
  /** The worker, when this replica runs one (tests drive it). */
  readonly worker: EmbeddingWorker | null;
  /** Stops the worker (after its batch in progress) and releases the model. */
  stop(): Promise<void>;
};

export type EmbeddingsOptions = {
  db: Database;
  logger: Logger;
  modelDir: string;
  intraOpThreads?: number | undefined;
  worker: {
    enabled: boolean;
    batchSize: number;
    leaseMs: number;
    pollMs: number;
    retryBaseMs: number;
    retryMaxMs: number;
    autoStart?: boolean;
  };
  metrics?: Metrics | undefined;
  /** Loads the model (tests substitute one). Default loadEmbedder. */
  load?: (modelDir: string) => Promise<Embedder>;
  /** Spans for worker batches and for every embedding run inside a span (query embeddings of a call). */
  tracer?: Tracer | undefined;
};

export const NO_PGVECTOR_REASON =
  "the database has no pgvector extension, so no embeddings are stored: install pgvector in PostgreSQL " +
  "(or use the embedded database, which includes it) and restart the service";

/**
 * Sets up embeddings: vector storage in the database (when pgvector is
 * there), the model from `modelDir`, and a background worker that embeds
 * queued messages. Neither a missing model nor a missing pgvector stops the
 * service: each logs one warning and semantic search then answers
 * FAILED_PRECONDITION with `unavailableReason`.
 */
export async function startEmbeddings(options: EmbeddingsOptions): Promise<RunningEmbeddings> {
  const { db, logger } = options;
  const log = logger.child({ component: "embeddings" });
  const storage = await enableVectorStorage(db.pool);
  const pending = () => countPendingEmbeddings(db.pool);

  let embedder: Embedder | null = null;
  let unavailableReason: string | null = null;
  if (!storage) {
    unavailableReason = NO_PGVECTOR_REASON;
  } else {
    const load =
      options.load ??
      ((modelDir: string) =>
        loadEmbedder(options.intraOpThreads === undefined ? { modelDir } : { modelDir, intraOpThreads: options.intraOpThreads }));
    try {
      embedder = await load(options.modelDir);
      if (options.tracer) embedder = traceEmbedder(embedder, options.tracer);
    } catch (error) {
      unavailableReason =
        error instanceof ModelUnavailableError
          ? error.message
          : `the embedding model in ${options.modelDir} could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
            "download it again with `npm run model:fetch` (or `ltst model fetch`)";
    }
  }
  if (unavailableReason !== null) {
    log.warn(
      `semantic search is unavailable: ${unavailableReason.replace(/\.$/, "")}. The service runs on; lexical search works, ` +
        "and hybrid search falls back to lexical.",
    );
  } else {
    log.info({ model: embedder?.modelName, modelDir: options.modelDir }, "embedding model loaded");
  }
  options.metrics?.setPendingSource(pending);

  const batchListeners = new Set<() => void>();
  let worker: EmbeddingWorker | null = null;
  if (embedder && options.worker.enabled) {
    const { metrics } = options;
    worker = startEmbeddingWorker({
      db,
      embedder,
      ...options.worker,
      tracer: options.tracer,
      onBatch: (outcome) => {
        if (outcome.claimed === 0) return;
        for (const listener of batchListeners) listener();
        metrics?.embeddingsStored.inc(outcome.stored);
        metrics?.embeddingFailures.inc(outcome.failed);
        metrics?.embeddingBatchSeconds.observe(outcome.seconds);
        log.debug(outcome, "embedding batch");
      },
      onError: (error, context) => log.warn({ err: error }, context),
    });
  }
  if (storage) {
    pending().then(
      (counts) => {
        if (counts.pending > 0) {
          log.info(
            counts,
            worker ? "messages waiting for their embedding" : "messages waiting for their embedding (no worker on this replica)",
          );
        }
      },
      (error: unknown) => log.warn({ err: error }, "could not count pending embeddings"),
    );
  }

  return {
    storage,
    embedder,
    unavailableReason,
    worker,
    pending,
    nudge: () => worker?.nudge(),
    onBatch(listener) {
      batchListeners.add(listener);
      return () => batchListeners.delete(listener);
    },
    async stop() {
      await worker?.stop();
      await embedder?.close();
    },
  };
}
