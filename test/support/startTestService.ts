import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pino } from "pino";
import { loadConfig } from "../../src/config/loadConfig.js";
import type { Clock } from "../../src/domain/clock.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import * as grpc from "@grpc/grpc-js";
import { createMemoryClient, type MemoryClient } from "../../src/client/index.js";
import type { Backend } from "./backends.js";
import { checkHealth, HealthClient, watchHealth, type HealthWatch } from "./healthClient.js";

/** grpc.health.v1.Health, which the shipped client does not cover (it is the standard service, for probes). */
export type TestHealth = {
  check(service?: string): Promise<{ status: string }>;
  /** Opens a Health.Watch stream; cancel it before stopping the server, or the stop waits for it. */
  watch(service?: string): HealthWatch;
};

export type TestService = {
  service: RunningService;
  /**
   * The shipped client (ltst-memory/client), without a default deadline: a
   * call carries the deadline its test gives or none, so the server's own
   * default (LTST_DEFAULT_DEADLINE_MS) is what applies to it.
   */
  client: MemoryClient;
  health: TestHealth;
  dataDir: string;
  databaseUrl: string | undefined;
  /** Stops the service (not the database), e.g. to restart on the same data. */
  stopService(graceMs?: number): Promise<void>;
  /**
   * Starts the service again on the same data; returns the new one. `env`
   * overrides variables of this service's environment for the new one (and
   * its later restarts); an empty string unsets one.
   */
  restart(env?: Record<string, string>): Promise<TestService>;
  /** Stops everything and removes the data. */
  cleanup(): Promise<void>;
};

/**
 * Starts the real service on 127.0.0.1:0 with a fresh database of the given
 * backend, and the shipped client connected to it. `clock`: the time
 * retention and idempotency expiry go by (a test moves it instead of sleeping).
 */
export async function startTestService(
  backend: Backend,
  env: Record<string, string> = {},
  options: { clock?: Clock } = {},
): Promise<TestService> {
  const database = await backend.create();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-test-"));
  const launch = async (env: Record<string, string>): Promise<TestService> => {
    const config = loadConfig({
      LTST_GRPC_ADDRESS: "127.0.0.1:0",
      LTST_DATA_DIR: dataDir,
      LTST_LOG_LEVEL: process.env.LTST_TEST_LOG_LEVEL ?? "silent",
      // No model unless the test gives one (a developer's ./models must not change results).
      LTST_MODEL_DIR: path.join(dataDir, "no-model"),
      ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      ...env,
    });
    const service = await startService(config, pino({ level: config.LTST_LOG_LEVEL }), options.clock ? { clock: options.clock } : {});
    const address = `127.0.0.1:${service.port}`;
    const client = createMemoryClient({ address, defaultDeadlineMs: Infinity });
    const healthClient = new HealthClient(address, grpc.credentials.createInsecure());
    const health: TestHealth = {
      check: (name = "") => checkHealth(healthClient, name),
      watch: (name = "") => watchHealth(healthClient, name),
    };
    let serviceStopped = false;
    const stopService = async (graceMs = 2000) => {
      if (serviceStopped) return;
      serviceStopped = true;
      client.close();
      healthClient.close();
      await service.stop(graceMs);
    };
    return {
      service,
      client,
      health,
      dataDir,
      databaseUrl: database.databaseUrl,
      stopService,
      restart: async (overrides = {}) => {
        await stopService();
        return launch({ ...env, ...overrides });
      },
      cleanup: async () => {
        await stopService();
        await database.cleanup();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  };
  return launch(env);
}
