import { randomBytes } from "node:crypto";
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
    expect(loadConfig({}).LTST_CONTEXT_SWEEP_INTERVAL_MS).toBe(60_000);
    expect(loadConfig({ LTST_CONTEXT_SWEEP_INTERVAL_MS: "1000" }).LTST_CONTEXT_SWEEP_INTERVAL_MS).toBe(1_000);
    expect(() => loadConfig({ LTST_CONTEXT_SWEEP_INTERVAL_MS: "999" })).toThrow(/LTST_CONTEXT_SWEEP_INTERVAL_MS/);
    expect(() => loadConfig({ LTST_CONTEXT_SWEEP_INTERVAL_MS: "86400001" })).toThrow(/LTST_CONTEXT_SWEEP_INTERVAL_MS/);
    expect(() => loadConfig({ LTST_CONTEXT_SWEEP_INTERVAL_MS: "1.5e3x" })).toThrow(/LTST_CONTEXT_SWEEP_INTERVAL_MS/);
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

  describe("encryption keys", () => {
    const bytes = [randomBytes(32), randomBytes(32), randomBytes(32)];
    const key = (id: string, n = 0) => `${id}:${bytes[n]!.toString("base64")}`;

    /** The ConfigError of `env`, whose message must never repeat any key's base64. */
    const configError = (env: Record<string, string>): ConfigError => {
      try {
        loadConfig(env);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        for (const b of bytes) expect((error as Error).message).not.toContain(b.toString("base64").slice(0, 12));
        return error as ConfigError;
      }
      throw new Error("expected a ConfigError");
    };

    it("is unencrypted by default", () => {
      const config = loadConfig({});
      expect(config.LTST_ENCRYPTION_KEY).toBeUndefined();
      expect(config.LTST_ENCRYPTION_OLD_KEYS).toEqual([]);
      expect(loadConfig({ LTST_ENCRYPTION_KEY: "", LTST_ENCRYPTION_OLD_KEYS: "" }).LTST_ENCRYPTION_KEY).toBeUndefined();
    });

    it("reads the current key and the old keys as <key-id>:<base64 of 32 bytes>", () => {
      const config = loadConfig({ LTST_ENCRYPTION_KEY: key("k3", 2), LTST_ENCRYPTION_OLD_KEYS: ` ${key("k1", 0)} , ${key("k2", 1)},` });
      expect(config.LTST_ENCRYPTION_KEY).toEqual({ id: "k3", bytes: bytes[2] });
      expect(config.LTST_ENCRYPTION_OLD_KEYS).toEqual([{ id: "k1", bytes: bytes[0] }, { id: "k2", bytes: bytes[1] }]);
    });

    it("refuses at start-up a key that is not 32 bytes, naming the variable", () => {
      const short = `k1:${randomBytes(16).toString("base64")}`;
      expect(configError({ LTST_ENCRYPTION_KEY: short }).message).toMatch(/LTST_ENCRYPTION_KEY: key k1: must be exactly 32 bytes for AES-256 \(got 16\)/);
      const error = configError({ LTST_ENCRYPTION_KEY: key("k2"), LTST_ENCRYPTION_OLD_KEYS: `${key("k0", 1)},k1:${randomBytes(48).toString("base64")}` });
      expect(error.message).toMatch(/LTST_ENCRYPTION_OLD_KEYS: entry 2: key k1: must be exactly 32 bytes for AES-256 \(got 48\)/);
    });

    it("refuses a malformed key or key id, naming the variable", () => {
      expect(configError({ LTST_ENCRYPTION_KEY: bytes[0]!.toString("base64") }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_KEY", message: expect.stringContaining("must be <key-id>:<base64 of exactly 32 bytes>") },
      ]);
      expect(configError({ LTST_ENCRYPTION_KEY: key("bad id") }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_KEY", message: expect.stringContaining("key id must be 1 to 32 characters") },
      ]);
      expect(configError({ LTST_ENCRYPTION_KEY: "k1:not*base64" }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_KEY", message: expect.stringContaining("not padded standard base64") },
      ]);
      expect(configError({ LTST_ENCRYPTION_KEY: key("k2"), LTST_ENCRYPTION_OLD_KEYS: "oops" }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_OLD_KEYS", message: expect.stringContaining("entry 1: must be <key-id>") },
      ]);
    });

    it("refuses duplicate key ids, in the list or shared with the current key", () => {
      expect(configError({ LTST_ENCRYPTION_KEY: key("k2", 2), LTST_ENCRYPTION_OLD_KEYS: `${key("k1", 0)},${key("k1", 1)}` }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_OLD_KEYS", message: expect.stringContaining("key id k1 is given more than once") },
      ]);
      expect(configError({ LTST_ENCRYPTION_KEY: key("k1", 0), LTST_ENCRYPTION_OLD_KEYS: key("k1", 1) }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_OLD_KEYS", message: expect.stringContaining("key id k1 is given more than once") },
      ]);
    });

    it("refuses old keys without a current key, which would write new values unencrypted", () => {
      expect(configError({ LTST_ENCRYPTION_OLD_KEYS: key("k1") }).problems).toEqual([
        { variable: "LTST_ENCRYPTION_OLD_KEYS", message: expect.stringContaining("needs LTST_ENCRYPTION_KEY") },
      ]);
    });
  });
});
