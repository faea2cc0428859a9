import { describe, expect, it } from "vitest";
import { loadConfig } from "./loadConfig.js";

describe("security configuration", () => {
  it("has defaults: plaintext, reflection on, HTTP/2 limits set", () => {
    expect(loadConfig({})).toMatchObject({
      LTST_TLS_RELOAD_INTERVAL_MS: 60_000,
      LTST_INSECURE: false,
      LTST_REFLECTION: true,
      LTST_GRPC_MAX_CONCURRENT_STREAMS: 100,
      LTST_GRPC_MAX_CONNECTION_IDLE_MS: 300_000,
      LTST_GRPC_MAX_CONNECTION_AGE_MS: 3_600_000,
      LTST_GRPC_MAX_CONNECTION_AGE_GRACE_MS: 300_000,
    });
    const config = loadConfig({});
    expect(config.LTST_TLS_CERT_FILE).toBeUndefined();
    expect(config.LTST_TLS_CLIENT_IDENTITIES).toBeUndefined();
  });

  it("reads the flags and limits", () => {
    expect(loadConfig({ LTST_INSECURE: "true", LTST_REFLECTION: "false" })).toMatchObject({ LTST_INSECURE: true, LTST_REFLECTION: false });
    expect(loadConfig({ LTST_GRPC_MAX_CONCURRENT_STREAMS: "16" }).LTST_GRPC_MAX_CONCURRENT_STREAMS).toBe(16);
    expect(loadConfig({ LTST_GRPC_MAX_CONNECTION_AGE_GRACE_MS: "0" }).LTST_GRPC_MAX_CONNECTION_AGE_GRACE_MS).toBe(0);
  });

  it("names the bad variable", () => {
    expect(() => loadConfig({ LTST_INSECURE: "yes" })).toThrow(/LTST_INSECURE/);
    expect(() => loadConfig({ LTST_REFLECTION: "off" })).toThrow(/LTST_REFLECTION/);
    expect(() => loadConfig({ LTST_GRPC_MAX_CONCURRENT_STREAMS: "0" })).toThrow(/LTST_GRPC_MAX_CONCURRENT_STREAMS/);
    expect(() => loadConfig({ LTST_GRPC_MAX_CONNECTION_IDLE_MS: "999" })).toThrow(/LTST_GRPC_MAX_CONNECTION_IDLE_MS/);
    expect(() => loadConfig({ LTST_GRPC_MAX_CONNECTION_AGE_MS: "2147483648" })).toThrow(/LTST_GRPC_MAX_CONNECTION_AGE_MS/);
    expect(() => loadConfig({ LTST_TLS_RELOAD_INTERVAL_MS: "10" })).toThrow(/LTST_TLS_RELOAD_INTERVAL_MS/);
  });

  it("wants the certificate and key together, and server TLS under mutual TLS", () => {
    expect(() => loadConfig({ LTST_TLS_CERT_FILE: "c.pem" })).toThrow(/LTST_TLS_KEY_FILE: LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE are set together/);
    expect(() => loadConfig({ LTST_TLS_KEY_FILE: "k.pem" })).toThrow(/LTST_TLS_CERT_FILE: /);
    expect(() => loadConfig({ LTST_TLS_CLIENT_CA_FILE: "ca.pem" })).toThrow(/LTST_TLS_CLIENT_CA_FILE: mutual TLS needs server TLS too/);
    expect(loadConfig({ LTST_TLS_CERT_FILE: "c.pem", LTST_TLS_KEY_FILE: "k.pem" })).toMatchObject({
      LTST_TLS_CERT_FILE: "c.pem",
      LTST_TLS_KEY_FILE: "k.pem",
    });
  });
});
