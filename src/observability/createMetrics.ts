import { createServer, type Server } from "node:http";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { PendingEmbeddings } from "../db/queries/countPendingEmbeddings.js";

/** The service's Prometheus metrics. */
export type Metrics = {
  readonly registry: Registry;
  /** Every RPC, by method (full path) and status code name. */
  readonly grpcCalls: Counter<"method" | "code">;
  readonly grpcCallSeconds: Histogram<"method">;
  readonly grpcCallsInFlight: Gauge<"method">;
  /** Calls refused by authentication, by ErrorInfo reason. */
  readonly authFailures: Counter<"reason">;
  /** Calls refused by authorization (PERMISSION_DENIED), by reason. */
  readonly authorizationDenials: Counter<"reason">;
  /** Calls refused by a rate limit, stream limit or quota, by reason. */
  readonly limitRejections: Counter<"limit">;
  readonly embeddingsStored: Counter;
  readonly embeddingFailures: Counter;
  readonly embeddingBatchSeconds: Histogram;
  /** Rehydrate calls that passed validation, by outcome: ok, failed, cancelled, deadline_exceeded. */
  readonly rehydrateCalls: Counter<"outcome">;
  readonly rehydrateFirstChunkSeconds: Histogram;
  readonly rehydrateSeconds: Histogram;
  /** Rows the retention sweeper deleted, by kind: sessions, messages, summaries, idempotency_records. */
  readonly retentionDeleted: Counter<"kind">;
  /** Retention sweeps, by outcome: completed, skipped (another replica held the lock), failed. */
  readonly retentionRuns: Counter<"outcome">;
  readonly retentionRunSeconds: Histogram;
  /**
   * Sets where ltst_embeddings_pending is read from when Prometheus scrapes
   * (a count over the queue table).
   */
  setPendingSource(source: () => Promise<PendingEmbeddings>): void;
};

/** Creates the metrics on a registry of their own, with Node's process metrics. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "ltst_" });
  let pendingSource: (() => Promise<PendingEmbeddings>) | null = null;
  new Gauge({
    name: "ltst_embeddings_pending",
    help:
      "Messages waiting for their embedding, all replicas (message_embedding_queue): " +
      'state="new" never attempted or in progress, state="retrying" failed at least once.',
    labelNames: ["state"],
    registers: [registry],
    async collect() {
      if (!pendingSource) return;
      const { pending, failing } = await pendingSource();
      this.set({ state: "new" }, pending - failing);
      this.set({ state: "retrying" }, failing);
    },
  });
  return {
    registry,
    grpcCalls: new Counter({
      name: "ltst_grpc_server_calls_total",
      help: "RPCs handled, by method and status code (refused calls included).",
      labelNames: ["method", "code"],
      registers: [registry],
    }),
    grpcCallSeconds: new Histogram({
      name: "ltst_grpc_server_call_seconds",
      help: "RPC duration, from arrival to the last response message or error, by method.",
      labelNames: ["method"],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    grpcCallsInFlight: new Gauge({
      name: "ltst_grpc_server_calls_in_flight",
      help: "RPCs in progress, by method.",
      labelNames: ["method"],
      registers: [registry],
    }),
    authFailures: new Counter({
      name: "ltst_auth_failures_total",
      help: "Calls refused as UNAUTHENTICATED, by reason (MISSING_CREDENTIALS, INVALID_API_KEY, API_KEY_REVOKED, ...).",
      labelNames: ["reason"],
      registers: [registry],
    }),
    authorizationDenials: new Counter({
      name: "ltst_authorization_denials_total",
      help: "Calls refused as PERMISSION_DENIED, by reason (ROLE_NOT_ALLOWED, USER_NOT_ALLOWED).",
      labelNames: ["reason"],
      registers: [registry],
    }),
    limitRejections: new Counter({
      name: "ltst_limit_rejections_total",
      help: "Calls refused as RESOURCE_EXHAUSTED by a rate limit, stream limit or storage quota, by limit.",
      labelNames: ["limit"],
      registers: [registry],
    }),
    embeddingsStored: new Counter({
      name: "ltst_embeddings_stored_total",
      help: "Embeddings written by this replica's worker.",
      registers: [registry],
    }),
    embeddingFailures: new Counter({
      name: "ltst_embedding_failures_total",
      help: "Messages whose embedding attempt failed on this replica (retried later).",
      registers: [registry],
    }),
    embeddingBatchSeconds: new Histogram({
      name: "ltst_embedding_batch_seconds",
      help: "Duration of one worker pass that claimed messages: claim, embed and store.",
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    rehydrateCalls: new Counter({
      name: "ltst_rehydrate_calls_total",
      help: 'Rehydrate calls that passed validation, by outcome: "ok", "failed", "cancelled" (by the client) or "deadline_exceeded".',
      labelNames: ["outcome"],
      registers: [registry],
    }),
    rehydrateFirstChunkSeconds: new Histogram({
      name: "ltst_rehydrate_first_chunk_seconds",
      help: "Time from the start of a Rehydrate call to its first chunk handed to the transport.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    rehydrateSeconds: new Histogram({
      name: "ltst_rehydrate_seconds",
      help: "Duration of a successful Rehydrate call, to its final report.",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    retentionDeleted: new Counter({
      name: "ltst_retention_deleted_total",
      help:
        'Rows deleted by this replica\'s retention sweeper, by kind: "sessions" (inactive), "messages" (too old, or in a deleted session), ' +
        '"summaries" (covering deleted messages, keepSummaries false), "idempotency_records" (past LTST_IDEMPOTENCY_TTL).',
      labelNames: ["kind"],
      registers: [registry],
    }),
    retentionRuns: new Counter({
      name: "ltst_retention_runs_total",
      help: 'Retention sweeps on this replica, by outcome: "completed", "skipped" (another replica was sweeping) or "failed".',
      labelNames: ["outcome"],
      registers: [registry],
    }),
    retentionRunSeconds: new Histogram({
      name: "ltst_retention_run_seconds",
      help: "Duration of a retention sweep on this replica, every batch included.",
      buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
    setPendingSource(source) {
      pendingSource = source;
    },
  };
}

/** Serves `GET /metrics` on host:port (port 0 picks one); resolves with the server and bound port. */
export async function serveMetrics(metrics: Metrics, address: string): Promise<{ server: Server; port: number }> {
  const host = address.slice(0, address.lastIndexOf(":")).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(address.lastIndexOf(":") + 1));
  const server = createServer((request, response) => {
    if (request.method !== "GET" || request.url?.split("?")[0] !== "/metrics") {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found: metrics are at GET /metrics\n");
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { "content-type": metrics.registry.contentType }).end(body),
      (error: unknown) =>
        response.writeHead(500, { "content-type": "text/plain" }).end(`metrics failed: ${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const bound = server.address();
  return { server, port: typeof bound === "object" && bound ? bound.port : port };
}
