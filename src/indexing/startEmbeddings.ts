import type { Tracer } from "@opentelemetry/api";
import type { Logger } from "pino";
import type { Database } from "../db/Database.js";
import type { Embeddings } from "../domain/ports/Embeddings.js";
import { countPendingEmbeddings, type PendingEmbeddings } from "../db/queries/countPendingEmbeddings.js";
import { enableVectorStorage } from "../db/queries/enableVectorStorage.js";
import { EMBEDDING_DIMENSIONS, MODEL_NAME } from "../embedding/constants.js";
import { createLazyEmbedder, type LazyEmbedder } from "../embedding/createLazyEmbedder.js";
import type { Embedder } from "../embedding/Embedder.js";
import { ModelUnavailableError } from "../embedding/ModelUnavailableError.js";
import { resolveModelFiles } from "../embedding/resolveModelFiles.js";
import type { Metrics } from "../observability/createMetrics.js";
import { traceEmbedder } from "../observability/tracing/traceEmbedder.js";
import { startEmbeddingWorker, type EmbeddingWorker } from "./startEmbeddingWorker.js";

export type { Embeddings };

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
  /**
   * Load the model at the first embedding (a queued message or a semantic
   * query) instead of now (createLazyEmbedder): start-up and an idle service
   * then pay nothing for it. Missing model files are still found and
   * reported now (with the default loader); a model file that fails to load
   * is reported at that first use, and semantic search is unavailable from
   * then on. Default false.
   */
  loadOnFirstUse?: boolean;
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
  let lazy: LazyEmbedder | null = null;
  let unavailableReason: string | null = null;
  const reasonOf = (error: unknown) =>
    error instanceof ModelUnavailableError
      ? error.message
      : `the embedding model in ${options.modelDir} could not be loaded (${error instanceof Error ? error.message : String(error)}); ` +
        "download it again with `npm run model:fetch` (or `ltst model fetch`)";
  const warnUnavailable = (reason: string) =>
    log.warn(
      `semantic search is unavailable: ${reason.replace(/\.$/, "")}. The service runs on; lexical search works, ` +
        "and hybrid search falls back to lexical.",
    );
  let worker: EmbeddingWorker | null = null;
  if (!storage) {
    unavailableReason = NO_PGVECTOR_REASON;
  } else {
    const load =
      options.load ??
      (async (modelDir: string) => {
        // onnxruntime-node is only imported when a model is loaded.
        const { loadEmbedder } = await import("../embedding/loadEmbedder.js");
        return loadEmbedder(options.intraOpThreads === undefined ? { modelDir } : { modelDir, intraOpThreads: options.intraOpThreads });
      });
    try {
      if (options.loadOnFirstUse) {
        if (!options.load) await resolveModelFiles(options.modelDir);
        lazy = createLazyEmbedder({
          modelName: MODEL_NAME,
          dimensions: EMBEDDING_DIMENSIONS,
          load: () => load(options.modelDir),
          onLoad: (loaded) => log.info({ model: loaded.modelName, modelDir: options.modelDir }, "embedding model loaded"),
          onFailure: (error) => {
            warnUnavailable(reasonOf(error));
            // Nothing can be embedded until a restart: leave the queue as it is.
            void worker?.stop();
          },
        });
        embedder = lazy;
      } else {
        embedder = await load(options.modelDir);
      }
      if (options.tracer) embedder = traceEmbedder(embedder, options.tracer);
    } catch (error) {
      unavailableReason = reasonOf(error);
    }
  }
  if (unavailableReason !== null) {
    warnUnavailable(unavailableReason);
  } else if (lazy) {
    log.info({ model: embedder?.modelName, modelDir: options.modelDir }, "embedding model found: it loads at the first embedding");
  } else {
    log.info({ model: embedder?.modelName, modelDir: options.modelDir }, "embedding model loaded");
  }
  options.metrics?.setPendingSource(pending);

  const batchListeners = new Set<() => void>();
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
    // A model loaded on first use that failed to load makes semantic search unavailable from then on.
    get unavailableReason() {
      return unavailableReason ?? (lazy?.failure ? reasonOf(lazy.failure) : null);
    },
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
