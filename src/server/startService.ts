import type { Logger } from "pino";
import { sql } from "slonik";
import { z } from "zod";
import type { Config } from "../config/loadConfig.js";
import { createKeyring } from "../crypto/createKeyring.js";
import type { Database } from "../db/Database.js";
import { openDatabase } from "../db/openDatabase.js";
import { startEmbeddings, type RunningEmbeddings } from "../indexing/startEmbeddings.js";
import { startContextSweeper, type ContextSweeper } from "../maintenance/startContextSweeper.js";
import { startRetentionSweeper, type RetentionSweeper } from "../maintenance/startRetentionSweeper.js";
import { systemClock, type Clock } from "../domain/clock.js";
import { retentionCutoffs } from "../domain/retention/retentionCutoffs.js";
import { noCutoffs, type RetentionOf } from "../domain/retention/RetentionPolicies.js";
import { createMetrics, serveMetrics, type Metrics } from "../observability/createMetrics.js";
import { createAuthenticator, type Authenticator } from "../auth/createAuthenticator.js";
import { createApiKeyStore } from "../db/createApiKeyStore.js";
import { selectTenantStorageBytes } from "../db/queries/selectTenantStorageBytes.js";
import { createPipeline } from "../grpc/pipeline/createPipeline.js";
import type { Tracing } from "../observability/tracing/createTracing.js";
import { loadTracing } from "../observability/tracing/loadTracing.js";
import { createStorageQuota } from "../limits/createStorageQuota.js";
import { createTokenCounter } from "../tokens/createTokenCounter.js";
import { bindServer, createGrpcServer, serviceNames, type GrpcServer } from "./createGrpcServer.js";
import { http2ServerOptions } from "./http2ServerOptions.js";
import { isLoopbackAddress } from "./isLoopbackAddress.js";
import { prepareTransport } from "./prepareTransport.js";
import { principalFromPeerCertificate } from "./principalFromPeerCertificate.js";

const pingRow = z.object({ ok: z.number() });

/** A running service. */
export type RunningService = {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly address: string;
  readonly db: Database;
  readonly grpc: GrpcServer;
  readonly embeddings: RunningEmbeddings;
  readonly metrics: Metrics;
  /** Checks every call's credentials. */
  readonly authenticator: Authenticator;
  /** Deletes expired context entries every LTST_CONTEXT_SWEEP_INTERVAL_MS. */
  readonly contextSweeper: ContextSweeper;
  /** Applies LTST_RETENTION_POLICIES and LTST_IDEMPOTENCY_TTL every LTST_RETENTION_SWEEP_INTERVAL_MS. */
  readonly retentionSweeper: RetentionSweeper;
  /** The bound metrics port, when LTST_METRICS_ADDRESS is set. */
  readonly metricsPort: number | null;
  /** Number of calls currently being handled. */
  callsInFlight(): number;
  /**
   * Graceful stop: health goes NOT_SERVING, new calls are refused, calls in
   * flight get `graceMs` to finish, then the rest are cancelled (their SQL
   * too) and the database is closed.
   */
  stop(graceMs?: number): Promise<void>;
};

/**
 * Wires the real pieces together: database (embedded unless DATABASE_URL),
 * migrations, embeddings (model, vector storage, worker), gRPC services,
 * health, reflection and metrics. Health turns SERVING only after the
 * database is reachable and migrated, and follows the database afterwards (a
 * periodic ping). A missing model or pgvector does not keep it from SERVING.
 */
export async function startService(
  config: Config,
  logger: Logger,
  options: {
    /**
     * Tracing to use (tests pass one with an in-memory exporter); the caller
     * shuts it down. Default: createTracing from the OTEL_* variables, shut
     * down with the service.
     */
    tracing?: Tracing;
    /**
     * "bare": the call pipeline keeps only the deadline (no request id,
     * metrics, access log, authentication or limits), every call open as
     * tenant "default". Only for the benchmark that measures what the full
     * pipeline costs; never set by the CLI.
     */
    pipeline?: "full" | "bare";
    /**
     * The time retention, idempotency expiry and statistics go by. Tests
     * pass a clock they move; default: the system clock.
     */
    clock?: Clock;
  } = {},
): Promise<RunningService> {
  // Start-up timing, logged once SERVING ("start-up phases", ms): where a slow start goes.
  const phases: Record<string, number> = { modules: Math.round(performance.now()) };
  let phaseStarted = performance.now();
  const phase = (name: string, ms = performance.now() - phaseStarted) => {
    phases[name] = Math.round(ms);
    phaseStarted = performance.now();
  };
  const tracing = options.tracing ?? await loadTracing({ serviceName: "ltst-memory", onError: (err, context) => logger.warn({ err }, context) });
  const stopTracing = options.tracing ? async () => {} : () => tracing.shutdown();
  logger.info(tracing.description);
  // Without export, the database and embedding layers get no tracer at all: no per-statement work.
  const tracer = tracing.exporting ? tracing.tracer : undefined;
  const keyring = createKeyring({ current: config.LTST_ENCRYPTION_KEY ?? null, old: config.LTST_ENCRYPTION_OLD_KEYS });
  if (keyring.currentKeyId === null) {
    logger.warn("LTST_ENCRYPTION_KEY is not set: preference values are stored unencrypted");
  } else {
    logger.info({ keyId: keyring.currentKeyId, readOnlyKeyIds: keyring.keyIds.slice(1) }, "preference values are encrypted (AES-256-GCM)");
  }

  phase("tracing and keys");
  const db = await openDatabase({
    onPhase: (name, ms) => (phases[name] = Math.round(ms)),
    tracer,
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LTST_DATA_DIR,
    poolSize: config.LTST_DB_POOL_SIZE,
    log: (message) => logger.info({ component: "migrations" }, message),
    maintenanceIntervalMs: config.LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS,
    maintenanceLog: (message, fields) =>
      fields.err === undefined
        ? logger.debug({ component: "maintenance", ...fields }, message)
        : logger.warn({ component: "maintenance", ...fields }, message),
  }).catch(async (error: unknown) => {
    await stopTracing();
    throw error;
  });
  phaseStarted = performance.now();
  logger.info({ database: db.kind }, "database ready and migrated");

  const metrics = createMetrics();
  const clock = options.clock ?? systemClock;
  const policies = config.LTST_RETENTION_POLICIES;
  // Without any policy every read gets the shared noCutoffs: its queries are
  // exactly those of a service without retention.
  const retention: RetentionOf =
    policies.defaultPolicy === null && policies.tenants.size === 0 ? () => noCutoffs : (tenantId) => retentionCutoffs(policies, tenantId, clock());
  // Counting tokens of large texts runs on worker threads, never on the event loop.
  const tokenCounter = createTokenCounter();
  // jose (JWT verification) and the W3C trace-context propagator are
  // imported only when JWT or tracing is configured: about 60 modules a
  // start loads for nothing otherwise.
  const jwt =
    config.LTST_JWT_SECRET || config.LTST_JWT_JWKS_URL || config.LTST_JWT_JWKS_FILE
      ? (await import("../auth/createJwtVerifier.js")).createJwtVerifier({
          secret: config.LTST_JWT_SECRET,
          jwksUrl: config.LTST_JWT_JWKS_URL,
          jwksFile: config.LTST_JWT_JWKS_FILE,
          issuer: config.LTST_JWT_ISSUER,
          audience: config.LTST_JWT_AUDIENCE,
          tenantClaim: config.LTST_JWT_TENANT_CLAIM,
          userClaim: config.LTST_JWT_USER_CLAIM,
          roleClaim: config.LTST_JWT_ROLE_CLAIM,
          defaultRole: config.LTST_JWT_DEFAULT_ROLE,
        })
      : null;
  const apiKeys = createApiKeyStore(db);
  const identities = config.LTST_TLS_CLIENT_IDENTITIES;
  const authenticator = createAuthenticator({
    keys: apiKeys,
    cacheTtlMs: config.LTST_AUTH_CACHE_TTL_MS,
    jwt,
    certificates: identities
      ? (certificate) => {
          const found = principalFromPeerCertificate(certificate, identities);
          return found && { kind: "certificate", tenantId: found.tenantId, role: found.role, userId: found.userId, credentialId: found.subject };
        }
      : null,
    // Open while nothing is configured: on loopback, or anywhere the operator said LTST_INSECURE=true.
    openWhenUnconfigured: isLoopbackAddress(config.LTST_GRPC_ADDRESS) || config.LTST_INSECURE,
  });
  const quota =
    config.LTST_STORAGE_QUOTA_BYTES > 0
      ? createStorageQuota({
          refreshMs: config.LTST_STORAGE_QUOTA_REFRESH_MS,
          measure: (tenantId) => db.withConnection(undefined, (connection) => selectTenantStorageBytes(connection, tenantId)),
        })
      : null;
  const pipeline = createPipeline({
    bare: options.pipeline === "bare",
    ...(tracer ? { tracing: (await import("../grpc/pipeline/traceMiddleware.js")).traceMiddleware(tracing) } : {}),
    logger,
    metrics,
    authenticator,
    accessLog: config.LTST_ACCESS_LOG,
    deadline: { defaultMs: config.LTST_DEFAULT_DEADLINE_MS, maxMs: config.LTST_MAX_DEADLINE_MS },
    limits: {
      tenantRate: { perSecond: config.LTST_RATE_LIMIT_TENANT_RPS, burst: config.LTST_RATE_LIMIT_TENANT_BURST },
      keyRate: { perSecond: config.LTST_RATE_LIMIT_KEY_RPS, burst: config.LTST_RATE_LIMIT_KEY_BURST },
      tenantStreams: config.LTST_MAX_STREAMS_PER_TENANT,
      keyStreams: config.LTST_MAX_STREAMS_PER_KEY,
      tenantStorageBytes: config.LTST_STORAGE_QUOTA_BYTES,
      quotaRetryMs: config.LTST_STORAGE_QUOTA_REFRESH_MS,
    },
    quota,
  });
  let embeddings: RunningEmbeddings | undefined;
  let metricsServer: Awaited<ReturnType<typeof serveMetrics>> | undefined;
  const inFlight = { count: 0 };
  let grpcServer: GrpcServer | undefined;
  let port: number;
  try {
    // Refuses a non-loopback address without TLS and authentication (active
    // API keys, JWT, or client-certificate identities), or says in one line
    // that a loopback server runs open; reads the certificates.
    const authConfigured = jwt !== null || identities !== undefined || (await apiKeys.countActive()) > 0;
    const credentials = prepareTransport(config, logger, authConfigured);
    phase("pipeline and auth");
    embeddings = await startEmbeddings({
      db,
      logger,
      modelDir: config.LTST_MODEL_DIR,
      // The model loads at the first embedding, not at start-up (about 150 MB and a second or more).
      loadOnFirstUse: true,
      intraOpThreads: config.LTST_EMBEDDING_THREADS,
      worker: {
        enabled: config.LTST_EMBEDDING_WORKER,
        batchSize: config.LTST_EMBEDDING_BATCH_SIZE,
        leaseMs: config.LTST_EMBEDDING_LEASE_MS,
        pollMs: config.LTST_EMBEDDING_POLL_MS,
        retryBaseMs: config.LTST_EMBEDDING_RETRY_BASE_MS,
        retryMaxMs: config.LTST_EMBEDDING_RETRY_MAX_MS,
      },
      metrics,
      tracer,
    });
    phase("embeddings");
    grpcServer = createGrpcServer({
      db,
      context: { logger, pipeline, inFlight },
      maxContentBytes: config.LTST_MAX_CONTENT_BYTES,
      maxMessageBytes: config.LTST_MAX_MESSAGE_BYTES,
      summaryEvery: config.LTST_SUMMARY_EVERY,
      embeddings,
      keyring,
      metrics,
      tokenCounter,
      storageQuota: quota,
      serverOptions: http2ServerOptions(config),
      reflection: config.LTST_REFLECTION,
      retention,
      idempotencyTtlMs: config.LTST_IDEMPOTENCY_TTL,
      clock,
    });
    port = await bindServer(grpcServer.server, config.LTST_GRPC_ADDRESS, credentials);
    phase("grpc server and bind");
    if (config.LTST_METRICS_ADDRESS) {
      metricsServer = await serveMetrics(metrics, config.LTST_METRICS_ADDRESS);
      logger.info({ port: metricsServer.port }, "metrics at /metrics");
    }
  } catch (error) {
    // The gRPC server is bound already when the metrics port fails.
    grpcServer?.server.forceShutdown();
    await embeddings?.stop();
    await tokenCounter.close();
    await db.close();
    await stopTracing();
    throw error;
  }
  const runningEmbeddings = embeddings;
  const grpc = grpcServer;
  const contextSweeper = startContextSweeper({
    db,
    intervalMs: config.LTST_CONTEXT_SWEEP_INTERVAL_MS,
    log: (message, fields) =>
      fields.err === undefined
        ? logger.debug({ component: "context-sweeper", ...fields }, message)
        : logger.warn({ component: "context-sweeper", ...fields }, message),
  });
  const retentionSweeper = startRetentionSweeper({
    db,
    policies,
    idempotencyTtlMs: config.LTST_IDEMPOTENCY_TTL,
    intervalMs: config.LTST_RETENTION_SWEEP_INTERVAL_MS,
    now: clock,
    metrics,
    log: (message, fields) =>
      fields.err === undefined
        ? logger.debug({ component: "retention-sweeper", ...fields }, message)
        : logger.warn({ component: "retention-sweeper", ...fields }, message),
  });
  const setServing = (serving: boolean) => {
    const value = serving ? "SERVING" : "NOT_SERVING";
    grpc.health.setStatus("", value);
    for (const name of serviceNames) grpc.health.setStatus(name, value);
  };
  setServing(true);
  phases["total"] = Math.round(performance.now());
  logger.info({ phases }, "start-up phases");

  let stopping = false;
  let healthy = true;
  const ping = setInterval(() => {
    db.pool.query(sql.type(pingRow)`SELECT 1 AS ok`).then(
      () => {
        if (!healthy && !stopping) logger.info("database reachable again");
        healthy = true;
        if (!stopping) setServing(true);
      },
      (error: unknown) => {
        if (healthy) logger.error({ err: error }, "database unreachable: health is NOT_SERVING");
        healthy = false;
        setServing(false);
      },
    );
  }, 5_000);
  ping.unref();

  const host = config.LTST_GRPC_ADDRESS.slice(0, config.LTST_GRPC_ADDRESS.lastIndexOf(":"));
  const address = `${host}:${port}`;
  logger.info({ address }, "LTST Memory serving");

  let stopped: Promise<void> | undefined;
  return {
    port,
    address,
    db,
    grpc,
    embeddings: runningEmbeddings,
    metrics,
    authenticator,
    contextSweeper,
    retentionSweeper,
    metricsPort: metricsServer?.port ?? null,
    callsInFlight: () => inFlight.count,
    stop(graceMs = config.LTST_SHUTDOWN_GRACE_MS) {
      stopped ??= (async () => {
        stopping = true;
        clearInterval(ping);
        setServing(false);
        logger.info({ inFlight: inFlight.count, graceMs }, "draining calls in flight");
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            logger.warn({ graceMs, inFlight: inFlight.count }, "grace period over: cancelling the calls still in flight");
            grpc.server.forceShutdown();
            resolve();
          }, graceMs);
          grpc.server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await runningEmbeddings.stop();
        await contextSweeper.stop();
        await retentionSweeper.stop();
        await tokenCounter.close();
        await new Promise<void>((resolve) => (metricsServer ? metricsServer.server.close(() => resolve()) : resolve()));
        await db.close();
        await stopTracing();
        logger.info("stopped");
      })();
      return stopped;
    },
  };
}
