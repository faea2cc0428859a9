import { z } from "zod";
import { limits } from "../validation/limits.js";

/** Validated service configuration, read once at start-up from the environment. */
export type Config = z.infer<typeof configSchema>;

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be HOST:PORT, for example 127.0.0.1:50051")
  .refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65535, "port must be 0 to 65535 (0 picks a free port)");

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const configSchema = z.object({
  LTST_GRPC_ADDRESS: hostPort.default("127.0.0.1:50051"),
  LTST_DATA_DIR: z.string().min(1).default("./data"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "must be a postgres:// or postgresql:// URL")
    .optional(),
  LTST_DB_POOL_SIZE: positiveInt(1, 200).default(10),
  LTST_LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  LTST_SHUTDOWN_GRACE_MS: positiveInt(0, 600_000).default(10_000),
  // At most a whole batch's content (limits.batchMaxContentBytes, 1 MiB).
  LTST_MAX_CONTENT_BYTES: positiveInt(1, limits.batchMaxContentBytes).default(64 * 1024),
  LTST_MAX_MESSAGE_BYTES: positiveInt(1024, 64 * 1024 * 1024).default(4 * 1024 * 1024),
  LTST_SUMMARY_EVERY: positiveInt(1, 1_000_000).default(20),
  LTST_DEFAULT_DEADLINE_MS: positiveInt(1, 3_600_000).default(30_000),
  LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS: positiveInt(1_000, 86_400_000).default(30_000),
  LTST_MODEL_DIR: z.string().min(1).default("./models/all-MiniLM-L6-v2"),
  // ONNX Runtime threads inside an operator; unset: min(2, CPUs).
  LTST_EMBEDDING_THREADS: positiveInt(1, 256).optional(),
  // Whether this replica runs an embedding worker (any replica can).
  LTST_EMBEDDING_WORKER: z.enum(["true", "false"]).default("true").transform((value) => value === "true"),
  LTST_EMBEDDING_BATCH_SIZE: positiveInt(1, 256).default(32),
  LTST_EMBEDDING_LEASE_MS: positiveInt(1_000, 3_600_000).default(60_000),
  LTST_EMBEDDING_POLL_MS: positiveInt(10, 600_000).default(1_000),
  LTST_EMBEDDING_RETRY_BASE_MS: positiveInt(10, 3_600_000).default(1_000),
  LTST_EMBEDDING_RETRY_MAX_MS: positiveInt(10, 86_400_000).default(300_000),
  // Prometheus metrics on http://HOST:PORT/metrics; unset: no metrics endpoint.
  LTST_METRICS_ADDRESS: hostPort.optional(),
}).refine((config) => config.LTST_EMBEDDING_RETRY_MAX_MS >= config.LTST_EMBEDDING_RETRY_BASE_MS, {
  path: ["LTST_EMBEDDING_RETRY_MAX_MS"],
  message: "must be at least LTST_EMBEDDING_RETRY_BASE_MS",
});

/** A configuration variable is missing or invalid. The message names it. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly { variable: string; message: string }[]) {
    super(
      "invalid configuration: " + problems.map((p) => `${p.variable}: ${p.message}`).join("; "),
    );
    this.name = "ConfigError";
  }
}

/**
 * Reads and validates the configuration. Empty strings count as unset, so
 * `LTST_DATA_DIR=` falls back to the default rather than failing.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (value !== undefined && value !== "") input[key] = value;
  }
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({
        variable: String(issue.path[0] ?? "?"),
        message: issue.message,
      })),
    );
  }
  return parsed.data;
}
