import { randomUUID } from "node:crypto";
import { SpanStatusCode, type Tracer } from "@opentelemetry/api";
import type { Database } from "../db/Database.js";
import { claimEmbeddingBatch, type ClaimedMessage } from "../db/queries/claimEmbeddingBatch.js";
import { failEmbeddingClaim } from "../db/queries/failEmbeddingClaim.js";
import { lockSessionsForEmbeddings } from "../db/queries/lockSessionsForEmbeddings.js";
import { storeEmbeddings, type EmbeddingToStore } from "../db/queries/storeEmbeddings.js";
import type { Embedder } from "../embedding/Embedder.js";

export type EmbeddingWorkerOptions = {
  db: Database;
  embedder: Embedder;
  /** Most messages claimed (and embedded) at once. */
  batchSize: number;
  /**
   * How long a claim lasts. A worker that dies mid-batch holds its rows this
   * long; then any worker claims them again.
   */
  leaseMs: number;
  /** How often an idle worker looks for work that another replica queued. */
  pollMs: number;
  /** Backoff after a failed attempt: baseMs * 2^(attempts-1), at most maxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** Called after every batch, and on errors. */
  onBatch?: (outcome: BatchOutcome) => void;
  onError?: (error: unknown, context: string) => void;
  /** Run the background loop. Default true; tests pass false and call runOnce. */
  autoStart?: boolean;
  /**
   * Gives each batch that claimed messages a span (a trace of its own), with
   * the batch's statements and embedding runs as children.
   */
  tracer?: Tracer | undefined;
};

/** What one pass did. */
export type BatchOutcome = {
  claimed: number;
  stored: number;
  failed: number;
  seconds: number;
};

export type EmbeddingWorker = {
  /** Looks for work now instead of at the next poll (after a local append). */
  nudge(): void;
  /** Runs one claim-embed-store pass now (tests); resolves with what it did. */
  runOnce(): Promise<BatchOutcome>;
  /** Stops after the batch in progress, which is finished and stored. */
  stop(): Promise<void>;
};

/**
 * Embeds queued messages in the background. Each pass claims a batch from
 * message_embedding_queue (FOR UPDATE SKIP LOCKED, with a lease, so that
 * replicas share the work), embeds the texts, and stores the vectors while
 * removing the queue rows in one statement, user by user, after locking the
 * sessions concerned (lockSessionsForEmbeddings). A batch that fails is
 * retried message by message, so one bad message does not hold back the
 * others; the messages that still fail go back to the queue with an
 * exponential backoff. Appends never wait for the embedding itself; one on a
 * session whose vectors are being stored waits for that short transaction.
 */
export function startEmbeddingWorker(options: EmbeddingWorkerOptions): EmbeddingWorker {
  const { db, embedder } = options;
  let stopped = false;
  let wake: (() => void) | null = null;
  let nudged = false;

  /** Returns how many of the messages were still ours to give back. */
  const fail = (token: string, messages: readonly ClaimedMessage[], error: unknown) =>
    failEmbeddingClaim(
      db.pool,
      token,
      messages.map((m) => ({ tenantId: m.tenant_id, userId: m.user_id, sessionId: m.session_id, messageIndex: m.message_index })),
      { error: error instanceof Error ? error.message : String(error), baseMs: options.retryBaseMs, maxMs: options.retryMaxMs },
    );

  /**
   * Stores the vectors user by user, each in a transaction that first locks
   * the user's sessions concerned (lockSessionsForEmbeddings: the order
   * deletes lock in, so a store and a delete wait for each other instead of
   * deadlocking; on Citus, one user's transaction is routed to one worker).
   * Counts what it stores in `outcome` as each user's transaction commits.
   */
  const store = async (
    token: string,
    messages: readonly ClaimedMessage[],
    vectors: readonly Float32Array[],
    outcome: BatchOutcome,
  ): Promise<void> => {
    const byUser = new Map<string, EmbeddingToStore[]>();
    messages.forEach((m, i) => {
      const key = JSON.stringify([m.tenant_id, m.user_id]);
      const embedding = { tenantId: m.tenant_id, userId: m.user_id, sessionId: m.session_id, messageIndex: m.message_index, embedding: vectors[i]! };
      byUser.set(key, [...(byUser.get(key) ?? []), embedding]);
    });
    for (const embeddings of byUser.values()) {
      const { tenantId, userId } = embeddings[0]!;
      outcome.stored += await db.withTransaction(undefined, async (transaction) => {
        await lockSessionsForEmbeddings(transaction, { tenantId, userId }, [...new Set(embeddings.map((e) => e.sessionId))]);
        return storeEmbeddings(transaction, token, embedder.modelName, embeddings);
      });
    }
  };

  const runOnce = async (): Promise<BatchOutcome> => {
    const started = performance.now();
    const token = randomUUID();
    const claimedAt = Date.now();
    const claimed = await claimEmbeddingBatch(db.pool, { token, limit: options.batchSize, leaseMs: options.leaseMs });
    const outcome: BatchOutcome = { claimed: claimed.length, stored: 0, failed: 0, seconds: 0 };
    if (claimed.length > 0) await traceBatch(claimedAt, outcome, () => embedAndStore(token, claimed, outcome));
    outcome.seconds = (performance.now() - started) / 1000;
    options.onBatch?.(outcome);
    return outcome;
  };

  /**
   * The batch span starts once messages were claimed (an idle poll makes no
   * trace), backdated to the claim so that its duration covers the pass.
   */
  const traceBatch = async (startTime: number, outcome: BatchOutcome, run: () => Promise<void>): Promise<void> => {
    if (!options.tracer) return run();
    return options.tracer.startActiveSpan(
      "embedding batch",
      { root: true, startTime, attributes: { "ltst.embedding.batch_size": outcome.claimed, "gen_ai.request.model": embedder.modelName } },
      async (span) => {
        try {
          await run();
          span.setAttributes({ "ltst.embedding.stored": outcome.stored, "ltst.embedding.failed": outcome.failed });
          if (outcome.failed > 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `${outcome.failed} messages failed` });
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.constructor.name : typeof error });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };

  const embedAndStore = async (token: string, claimed: readonly ClaimedMessage[], outcome: BatchOutcome): Promise<void> => {
    try {
      await store(token, claimed, await embedder.embed(claimed.map((m) => m.content)), outcome);
    } catch (batchError) {
      if (claimed.length === 1) {
        outcome.failed = await fail(token, claimed, batchError);
        if (outcome.failed > 0) options.onError?.(batchError, "embedding a message failed; it will be retried");
      } else {
        // Find the culprits: one message at a time.
        for (const message of claimed) {
          try {
            await store(token, [message], await embedder.embed([message.content]), outcome);
          } catch (error) {
            const failed = await fail(token, [message], error);
            outcome.failed += failed;
            if (failed > 0) options.onError?.(error, "embedding a message failed; it will be retried");
          }
        }
      }
    }
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      if (nudged || stopped) {
        nudged = false;
        resolve();
        return;
      }
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = null;
        nudged = false;
        resolve();
      }
      wake = done;
    });

  const loop = options.autoStart === false ? Promise.resolve() : (async () => {
    let errorStreak = 0;
    while (!stopped) {
      try {
        const outcome = await runOnce();
        errorStreak = 0;
        // A full batch suggests more work: go on at once.
        if (outcome.claimed < options.batchSize) await idle(options.pollMs);
      } catch (error) {
        // The database is unreachable or the pool is closing: back off.
        errorStreak += 1;
        if (!stopped) options.onError?.(error, "embedding worker pass failed");
        await idle(Math.min(options.retryMaxMs, options.retryBaseMs * 2 ** Math.min(errorStreak - 1, 20)));
      }
    }
  })();

  return {
    nudge() {
      nudged = true;
      wake?.();
    },
    runOnce,
    async stop() {
      stopped = true;
      wake?.();
      await loop;
    },
  };
}
