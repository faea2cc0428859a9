import { z } from "zod";
import { limits } from "../validation/limits.js";
import { parseEncryptionKey, type EncryptionKey } from "../crypto/parseEncryptionKey.js";
import { refineSecurityConfig, securityConfigShape } from "./securityConfig.js";
import { parseRetentionPolicies } from "../domain/retention/parseRetentionPolicies.js";
import { noRetentionPolicies, type RetentionPolicies } from "../domain/retention/RetentionPolicies.js";

/** Validated service configuration, read once at start-up from the environment. */
export type Config = z.infer<typeof configSchema>;

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, "must be HOST:PORT, for example 127.0.0.1:50051")
  .refine((value) => Number(value.slice(value.lastIndexOf(":") + 1)) <= 65535, "port must be 0 to 65535 (0 picks a free port)");

const positiveInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `<key-id>:<base64 of 32 bytes>`, as an EncryptionKey. The message never repeats the key. */
const encryptionKey = z.string().transform((text, context): EncryptionKey => {
  const parsed = parseEncryptionKey(text);
  if ("key" in parsed) return parsed.key;
  context.addIssue({ code: "custom", message: parsed.problem });
  return z.NEVER;
});

/** A comma-separated list of keys (empty entries ignored). */
const encryptionKeyList = z.string().transform((text, context): EncryptionKey[] => {
  const keys: EncryptionKey[] = [];
  const entries = text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  entries.forEach((entry, index) => {
    const parsed = parseEncryptionKey(entry);
    if ("key" in parsed) keys.push(parsed.key);
    else context.addIssue({ code: "custom", message: `entry ${index + 1}: ${parsed.problem}` });
  });
  return keys;
});

/** LTST_RETENTION_POLICIES: JSON from tenant id (or `*`) to a policy (parseRetentionPolicies). */
const retentionPolicies = z.string().transform((text, context): RetentionPolicies => {
  const parsed = parseRetentionPolicies(text);
  if ("policies" in parsed) return parsed.policies;
  for (const problem of parsed.problems) context.addIssue({ code: "custom", message: problem });
  return z.NEVER;
});

const durationUnits: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `30s`, `90m`, `24h` or `7d`, as milliseconds from `min` to `max`. */
const duration = (min: number, max: number, range: string) =>
  z.string().transform((text, context): number => {
    const match = /^(\d{1,9})([smhd])$/.exec(text.trim());
    if (!match) {
      context.addIssue({ code: "custom", message: `must be a number with a unit s, m, h or d, for example 24h (got ${JSON.stringify(text)})` });
      return z.NEVER;
    }
    const ms = Number(match[1]) * durationUnits[match[2]!]!;
    if (ms < min || ms > max) {
      context.addIssue({ code: "custom", message: `must be from ${range} (got ${text})` });
      return z.NEVER;
    }
    return ms;
  });

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
  // How often expired context entries are deleted (reads skip them whenever this runs).
  LTST_CONTEXT_SWEEP_INTERVAL_MS: positiveInt(1_000, 86_400_000).default(60_000),
  // Per-tenant retention (see parseRetentionPolicies); unset: everything is kept.
  LTST_RETENTION_POLICIES: retentionPolicies.default(noRetentionPolicies),
  // How often the retention sweeper runs (one replica at a time); reads hide what is past its policy whenever this runs.
  LTST_RETENTION_SWEEP_INTERVAL_MS: positiveInt(1_000, 86_400_000).default(60_000),
  // How long an AppendMessages idempotency key is remembered: a retry after this appends again.
  LTST_IDEMPOTENCY_TTL: duration(1_000, 365 * 86_400_000, "1s to 365d").default(86_400_000),
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
  // Preference values are encrypted (AES-256-GCM) with this key; unset: stored unencrypted.
  LTST_ENCRYPTION_KEY: encryptionKey.optional(),
  // Earlier keys, comma-separated, to read values written before a rotation (never to write).
  LTST_ENCRYPTION_OLD_KEYS: encryptionKeyList.default([]),
  // --- Authentication, limits and the call pipeline ---------------------------
  // How long a replica trusts an API key lookup (and the count of active keys): revocation takes effect within this.
  LTST_AUTH_CACHE_TTL_MS: positiveInt(0, 60_000).default(2_000),
  // End-user JWTs: exactly one key source (shared HS256 secret of at least 32 bytes, JWKS URL, or JWKS file).
  LTST_JWT_SECRET: z.string().min(32, "must be at least 32 bytes").optional(),
  LTST_JWT_JWKS_URL: z.url({ protocol: /^https?$/ }).optional(),
  LTST_JWT_JWKS_FILE: z.string().min(1).optional(),
  LTST_JWT_ISSUER: z.string().min(1).optional(),
  LTST_JWT_AUDIENCE: z.string().min(1).optional(),
  LTST_JWT_TENANT_CLAIM: z.string().min(1).default("tenant"),
  LTST_JWT_USER_CLAIM: z.string().min(1).default("sub"),
  LTST_JWT_ROLE_CLAIM: z.string().min(1).default("role"),
  LTST_JWT_DEFAULT_ROLE: z.enum(["reader", "writer", "admin"]).default("writer"),
  // Requests per second and burst, per tenant and per credential (token buckets, per replica); 0: unlimited.
  LTST_RATE_LIMIT_TENANT_RPS: positiveInt(0, 1_000_000).default(5_000),
  LTST_RATE_LIMIT_TENANT_BURST: positiveInt(1, 10_000_000).default(10_000),
  LTST_RATE_LIMIT_KEY_RPS: positiveInt(0, 1_000_000).default(2_000),
  LTST_RATE_LIMIT_KEY_BURST: positiveInt(1, 10_000_000).default(4_000),
  // Concurrent server-streaming calls (Search, Rehydrate, exports) per tenant and per credential; 0: unlimited.
  LTST_MAX_STREAMS_PER_TENANT: positiveInt(0, 1_000_000).default(512),
  LTST_MAX_STREAMS_PER_KEY: positiveInt(0, 1_000_000).default(128),
  // Bytes of message content one tenant may store; writes beyond it get RESOURCE_EXHAUSTED. 0: unlimited.
  LTST_STORAGE_QUOTA_BYTES: positiveInt(0, Number.MAX_SAFE_INTEGER).default(0),
  // How often a replica re-measures a tenant's stored bytes for the quota.
  LTST_STORAGE_QUOTA_REFRESH_MS: positiveInt(100, 3_600_000).default(10_000),
  // The longest deadline the server honours; a client's later deadline (or none) is cut to this.
  LTST_MAX_DEADLINE_MS: positiveInt(1, 86_400_000).default(300_000),
  // One structured log line per call (method, code, duration, tenant, key id, request id).
  LTST_ACCESS_LOG: z.enum(["true", "false"]).default("true").transform((value) => value === "true"),
  // TLS, mutual TLS, LTST_INSECURE, reflection and HTTP/2 limits (securityConfig.ts).
  ...securityConfigShape,
}).superRefine(refineSecurityConfig).refine((config) => [config.LTST_JWT_SECRET, config.LTST_JWT_JWKS_URL, config.LTST_JWT_JWKS_FILE].filter((v) => v !== undefined).length <= 1, {
  path: ["LTST_JWT_SECRET"],
  message: "set at most one of LTST_JWT_SECRET, LTST_JWT_JWKS_URL and LTST_JWT_JWKS_FILE",
}).refine((config) => config.LTST_MAX_DEADLINE_MS >= config.LTST_DEFAULT_DEADLINE_MS, {
  path: ["LTST_MAX_DEADLINE_MS"],
  message: "must be at least LTST_DEFAULT_DEADLINE_MS",
}).refine((config) => config.LTST_EMBEDDING_RETRY_MAX_MS >= config.LTST_EMBEDDING_RETRY_BASE_MS, {
  path: ["LTST_EMBEDDING_RETRY_MAX_MS"],
  message: "must be at least LTST_EMBEDDING_RETRY_BASE_MS",
}).superRefine((config, context) => {
  if (config.LTST_ENCRYPTION_OLD_KEYS.length > 0 && !config.LTST_ENCRYPTION_KEY) {
    context.addIssue({
      code: "custom",
      path: ["LTST_ENCRYPTION_OLD_KEYS"],
      message: "needs LTST_ENCRYPTION_KEY, the key new values are written with (old keys only read)",
    });
  }
  const seen = new Set(config.LTST_ENCRYPTION_KEY ? [config.LTST_ENCRYPTION_KEY.id] : []);
  for (const key of config.LTST_ENCRYPTION_OLD_KEYS) {
    if (seen.has(key.id)) {
      context.addIssue({
        code: "custom",
        path: ["LTST_ENCRYPTION_OLD_KEYS"],
        message: `key id ${key.id} is given more than once (with LTST_ENCRYPTION_KEY or in this list); each id names one key`,
      });
    }
    seen.add(key.id);
  }
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
