import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "./loadConfig.js";

describe("loadConfig", () => {
  it("has defaults that work with nothing set", () => {
    const config = loadConfig({});
    expect(config.LTST_GRPC_ADDRESS).toBe("127.0.0.1:50051");
    expect(config.LTST_DATA_DIR).toBe("./data");
    expect(config.DATABASE_URL).toBeUndefined();
    expect(config.LTST_SUMMARY_EVERY).toBe(20);
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ DATABASE_URL: "" }).DATABASE_URL).toBeUndefined();
  });

  it("names the bad variable", () => {
    expect(() => loadConfig({ LTST_GRPC_ADDRESS: "nonsense" })).toThrow(/LTST_GRPC_ADDRESS/);
    expect(() => loadConfig({ DATABASE_URL: "mysql://x" })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ LTST_GRPC_ADDRESS: "127.0.0.1:65536" })).toThrow(/LTST_GRPC_ADDRESS: port must be 0 to 65535/);
    expect(loadConfig({ LTST_GRPC_ADDRESS: "[::1]:0" }).LTST_GRPC_ADDRESS).toBe("[::1]:0");
    expect(() => loadConfig({ LTST_MAX_CONTENT_BYTES: String(1024 * 1024 + 1) })).toThrow(/LTST_MAX_CONTENT_BYTES/);
    expect(() => loadConfig({ LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS: "999" })).toThrow(/LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS/);
    expect(loadConfig({}).LTST_EMBEDDED_MAINTENANCE_INTERVAL_MS).toBe(30_000);
    try {
      loadConfig({ LTST_DB_POOL_SIZE: "0", LTST_SUMMARY_EVERY: "x" });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const variables = (error as ConfigError).problems.map((p) => p.variable).sort();
      expect(variables).toEqual(["LTST_DB_POOL_SIZE", "LTST_SUMMARY_EVERY"]);
    }
  });

  it("validates the embedding and metrics settings", () => {
    const defaults = loadConfig({});
    expect(defaults).toMatchObject({
      LTST_EMBEDDING_WORKER: true,
      LTST_EMBEDDING_BATCH_SIZE: 32,
      LTST_EMBEDDING_LEASE_MS: 60_000,
      LTST_EMBEDDING_POLL_MS: 1_000,
      LTST_EMBEDDING_RETRY_BASE_MS: 1_000,
      LTST_EMBEDDING_RETRY_MAX_MS: 300_000,
    });
    expect(defaults.LTST_EMBEDDING_THREADS).toBeUndefined();
    expect(defaults.LTST_METRICS_ADDRESS).toBeUndefined();
    expect(loadConfig({ LTST_EMBEDDING_WORKER: "false" }).LTST_EMBEDDING_WORKER).toBe(false);
    expect(() => loadConfig({ LTST_EMBEDDING_WORKER: "yes" })).toThrow(/LTST_EMBEDDING_WORKER/);
    expect(() => loadConfig({ LTST_EMBEDDING_BATCH_SIZE: "0" })).toThrow(/LTST_EMBEDDING_BATCH_SIZE/);
    expect(() => loadConfig({ LTST_EMBEDDING_BATCH_SIZE: "257" })).toThrow(/LTST_EMBEDDING_BATCH_SIZE/);
    expect(() => loadConfig({ LTST_EMBEDDING_LEASE_MS: "999" })).toThrow(/LTST_EMBEDDING_LEASE_MS/);
    expect(() => loadConfig({ LTST_EMBEDDING_THREADS: "0" })).toThrow(/LTST_EMBEDDING_THREADS/);
    expect(() => loadConfig({ LTST_EMBEDDING_RETRY_BASE_MS: "5000", LTST_EMBEDDING_RETRY_MAX_MS: "4000" })).toThrow(
      /LTST_EMBEDDING_RETRY_MAX_MS: must be at least LTST_EMBEDDING_RETRY_BASE_MS/,
    );
    expect(() => loadConfig({ LTST_METRICS_ADDRESS: "9464" })).toThrow(/LTST_METRICS_ADDRESS/);
    expect(loadConfig({ LTST_METRICS_ADDRESS: "0.0.0.0:9464" }).LTST_METRICS_ADDRESS).toBe("0.0.0.0:9464");
  });
});
