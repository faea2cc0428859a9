import { describe, expect, it } from "vitest";
import { loadTracing } from "./loadTracing.js";

describe("loadTracing", () => {
  it("answers the no-op tracing when nothing exports, saying why", async () => {
    const tracing = await loadTracing({ serviceName: "ltst-test", env: { OTEL_TRACES_EXPORTER: "none", OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1" } });
    expect(tracing).toMatchObject({ exporting: false, description: "tracing off: OTEL_TRACES_EXPORTER=none" });
    expect(tracing.tracer.startSpan("x").isRecording()).toBe(false);
    await tracing.shutdown();
  });

  it("loads the SDK and exports when an endpoint is set", async () => {
    const tracing = await loadTracing({ serviceName: "ltst-test", env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:1" } });
    try {
      expect(tracing.exporting).toBe(true);
      expect(tracing.description).toBe("tracing to http://127.0.0.1:1/v1/traces (OTLP over HTTP, protobuf)");
      expect(tracing.tracer.startSpan("x").isRecording()).toBe(true);
    } finally {
      await tracing.shutdown();
    }
  });
});
