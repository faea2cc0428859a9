import { describe, expect, it } from "vitest";
import { checkExposure } from "./checkExposure.js";

const open = { tlsConfigured: false, authConfigured: false, insecure: false };

describe("checkExposure", () => {
  it("runs open on loopback addresses without credentials, and says so in one line", () => {
    for (const address of ["127.0.0.1:50051", "127.8.9.10:0", "localhost:50051", "[::1]:50051", "[0:0:0:0:0:0:0:1]:1"]) {
      const decision = checkExposure({ address, ...open });
      expect(decision, address).toMatchObject({ start: true, log: { level: "warn" } });
      if (decision.start && decision.log) {
        expect(decision.log.message).not.toContain("\n");
        expect(decision.log.message).toContain("without authentication");
      }
    }
  });

  it("says nothing on loopback once authentication is configured", () => {
    expect(checkExposure({ address: "127.0.0.1:0", ...open, authConfigured: true })).toEqual({ start: true, log: null });
  });

  it("refuses any other address without TLS and authentication, naming the variables", () => {
    for (const address of ["0.0.0.0:50051", "[::]:50051", "10.1.2.3:50051", "example.com:50051", "[::2]:1", "128.0.0.1:1"]) {
      const decision = checkExposure({ address, ...open });
      expect(decision.start, address).toBe(false);
      if (!decision.start) {
        expect(decision.message).not.toContain("\n");
        expect(decision.message).toMatch(/LTST_TLS_CERT_FILE.*LTST_TLS_KEY_FILE/);
        expect(decision.message).toContain("LTST_INSECURE=true");
        expect(decision.message).toContain(address);
      }
    }
    const tlsOnly = checkExposure({ address: "0.0.0.0:1", ...open, tlsConfigured: true });
    expect(tlsOnly.start).toBe(false);
    if (!tlsOnly.start) {
      expect(tlsOnly.message).toContain("without authentication");
      expect(tlsOnly.message).not.toContain("LTST_TLS_CERT_FILE");
    }
    const authOnly = checkExposure({ address: "0.0.0.0:1", ...open, authConfigured: true });
    expect(authOnly.start).toBe(false);
    if (!authOnly.start) expect(authOnly.message).toMatch(/without TLS \(LTST_TLS_CERT_FILE and LTST_TLS_KEY_FILE\);/);
  });

  it("starts on any address with TLS and authentication", () => {
    expect(checkExposure({ address: "0.0.0.0:50051", tlsConfigured: true, authConfigured: true, insecure: false })).toEqual({
      start: true,
      log: null,
    });
  });

  it("starts anyway with LTST_INSECURE=true, and warns in one line", () => {
    const decision = checkExposure({ address: "0.0.0.0:50051", ...open, insecure: true });
    expect(decision).toMatchObject({ start: true, log: { level: "warn" } });
    if (decision.start) expect(decision.log?.message).toMatch(/^LTST_INSECURE=true: serving on non-loopback address 0\.0\.0\.0:50051 without TLS/);
  });
});
