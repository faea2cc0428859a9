import type { Logger } from "pino";
import { sql } from "slonik";
import { z } from "zod";
import type { Config } from "../config/loadConfig.js";
import type { Database } from "../db/Database.js";
import { openDatabase } from "../db/openDatabase.js";
import { bindServer, createGrpcServer, serviceNames, type GrpcServer } from "./createGrpcServer.js";

const pingRow = z.object({ ok: z.number() });

/** A running service. */
export type RunningService = {
  /** The bound port (useful with port 0). */
  readonly port: number;
  readonly address: string;
  readonly db: Database;
  readonly grpc: GrpcServer;
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
 * migrations, gRPC services, health and reflection. Health turns SERVING only
 * after the database is reachable and migrated, and follows the database
 * afterwards (a periodic ping).
 */
export async function startService(config: Config, logger: Logger): Promise<RunningService> {
  const db = await openDatabase({
    databaseUrl: config.DATABASE_URL,
    dataDir: config.LTST_DATA_DIR,
    poolSize: config.LTST_DB_POOL_SIZE,
    log: (message) => logger.info({ component: "migrations" }, message),
    maintenanceIntervalMs: config.LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS,
    maintenanceLog: (message, fields) =>
      fields.err === undefined
        ? logger.debug({ component: "maintenance", ...fields }, message)
        : logger.warn({ component: "maintenance", ...fields }, message),
  });
  logger.info({ database: db.kind }, "database ready and migrated");

  const inFlight = { count: 0 };
  const grpcServer = createGrpcServer({
    db,
    context: { logger, defaultDeadlineMs: config.LTST_DEFAULT_DEADLINE_MS, inFlight },
    maxContentBytes: config.LTST_MAX_CONTENT_BYTES,
    maxMessageBytes: config.LTST_MAX_MESSAGE_BYTES,
    summaryEvery: config.LTST_SUMMARY_EVERY,
  });
  let port: number;
  try {
    port = await bindServer(grpcServer.server, config.LTST_GRPC_ADDRESS);
  } catch (error) {
    await db.close();
    throw error;
  }
  const setServing = (serving: boolean) => {
    const value = serving ? "SERVING" : "NOT_SERVING";
    grpcServer.health.setStatus("", value);
    for (const name of serviceNames) grpcServer.health.setStatus(name, value);
  };
  setServing(true);

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
    grpc: grpcServer,
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
            grpcServer.server.forceShutdown();
            resolve();
          }, graceMs);
          grpcServer.server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
        });
        await db.close();
        logger.info("stopped");
      })();
      return stopped;
    },
  };
}
