import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../config/loadConfig.js";
import { prepareTransport } from "./prepareTransport.js";

/** A logger whose lines are kept, parsed. */
function capture() {
  const lines: { level: number; msg: string }[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as { level: number; msg: string }) });
  return { logger, lines };
}

describe("prepareTransport", () => {
  it("runs open on loopback without authentication, saying so in exactly one line", () => {
    const { logger, lines } = capture();
    const credentials = prepareTransport(loadConfig({ LTST_GRPC_ADDRESS: "127.0.0.1:50051" }), logger, false);
    expect(credentials._isSecure()).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, msg: expect.stringMatching(/^serving without authentication on loopback address 127\.0\.0\.1:50051/) });
  });

  it("is silent on loopback once authentication is configured", () => {
    const { logger, lines } = capture();
    prepareTransport(loadConfig({}), logger, true);
    expect(lines).toEqual([]);
  });

  it("refuses a non-loopback address without TLS with a ConfigError on LTST_GRPC_ADDRESS", () => {
    const { logger } = capture();
    try {
      prepareTransport(loadConfig({ LTST_GRPC_ADDRESS: "0.0.0.0:50051" }), logger, true);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).problems).toEqual([
        { variable: "LTST_GRPC_ADDRESS", message: expect.stringMatching(/without TLS \(LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE\);/) },
      ]);
    }
  });

  it("serves anyway with LTST_INSECURE=true, with a warning line", () => {
    const { logger, lines } = capture();
    prepareTransport(loadConfig({ LTST_GRPC_ADDRESS: "0.0.0.0:50051", LTST_INSECURE: "true" }), logger, false);
    expect(lines).toEqual([expect.objectContaining({ level: 40, msg: expect.stringMatching(/^LTST_INSECURE=true: serving on non-loopback address 0\.0\.0\.0:50051 without TLS/) })]);
  });

  it("names the certificate variable when its file cannot be read", () => {
    const { logger } = capture();
    const config = loadConfig({ LTST_TLS_CERT_FILE: "/nonexistent/cert.pem", LTST_TLS_KEY_FILE: "/nonexistent/key.pem" });
    expect(() => prepareTransport(config, logger, true)).toThrow(/^invalid configuration: LTST_TLS_CERT_FILE: cannot read \/nonexistent\/cert\.pem/);
  });
});
