import http from "node:http";
import type { AddressInfo } from "node:net";
import { context, createContextKey, ROOT_CONTEXT } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTracing } from "./createTracing.js";

/** A stand-in OTLP collector: records each request it gets. */
type Received = { method: string; url: string; contentType: string | undefined; body: Buffer; authorization?: string | undefined };

describe("createTracing", () => {
  let collector: http.Server;
  let endpoint: string;
  const received: Received[] = [];

  beforeAll(async () => {
    collector = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on("data", (chunk: Buffer) => chunks.push(chunk));
      request.on("end", () => {
        received.push({
          method: request.method ?? "",
          url: request.url ?? "",
          contentType: request.headers["content-type"],
          body: Buffer.concat(chunks),
        });
        received[received.length - 1]!.authorization = request.headers.authorization;
        response.writeHead(200, { "content-type": "application/x-protobuf" }).end();
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => collector.close(resolve));
  });

  const key = createContextKey("probe");
  /** Whether a value set with context.with is visible after an await (needs the context manager). */
  const propagates = () =>
    context.with(ROOT_CONTEXT.setValue(key, "here"), async () => {
      await new Promise((resolve) => setImmediate(resolve));
      return context.active().getValue(key) === "here";
    });

  it("exports nothing, and records nothing, without an endpoint", async () => {
    received.length = 0;
    const tracing = createTracing({ serviceName: "ltst-test", env: {} });
    expect(tracing.exporting).toBe(false);
    expect(tracing.description).toBe("tracing off: OTEL_EXPORTER_OTLP_ENDPOINT is not set");
    const span = tracing.tracer.startSpan("nothing");
    expect(span.isRecording()).toBe(false);
    span.end();
    await tracing.forceFlush();
    await tracing.shutdown();
    expect(received).toEqual([]);
    expect(await propagates()).toBe(false);
  });

  it("stays off with OTEL_SDK_DISABLED=true or OTEL_TRACES_EXPORTER=none, endpoint or not", () => {
    for (const [variable, value] of [
      ["OTEL_SDK_DISABLED", "true"],
      ["OTEL_TRACES_EXPORTER", "none"],
    ] as const) {
      const tracing = createTracing({ serviceName: "ltst-test", env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, [variable]: value } });
      expect(tracing.exporting).toBe(false);
      expect(tracing.description).toBe(`tracing off: ${variable}=${value}`);
    }
  });

  it("sends spans over OTLP/HTTP with protobuf bodies to OTEL_EXPORTER_OTLP_ENDPOINT + /v1/traces", async () => {
    received.length = 0;
    const tracing = createTracing({
      serviceName: "ltst-test",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: "ltst-from-env", OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20t0ken" },
    });
    expect(tracing.exporting).toBe(true);
    expect(tracing.description).toBe(`tracing to ${endpoint}/v1/traces (OTLP over HTTP, protobuf)`);
    tracing.tracer.startSpan("exported-span-name").end();
    await tracing.forceFlush();
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "POST", url: "/v1/traces", contentType: "application/x-protobuf", authorization: "Bearer t0ken" });
    expect(received[0]!.body.includes("exported-span-name")).toBe(true);
    expect(received[0]!.body.includes("ltst-from-env")).toBe(true);
    await tracing.shutdown();
  });

  it("uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is", async () => {
    received.length = 0;
    const tracing = createTracing({
      serviceName: "ltst-test",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:9/unused", OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${endpoint}/custom/traces` },
    });
    tracing.tracer.startSpan("to-the-specific-endpoint").end();
    await tracing.shutdown();
    expect(received.map((request) => request.url)).toEqual(["/custom/traces"]);
  });

  it("shuts down without rejecting when the collector is unreachable, and says so", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const errors: string[] = [];
    const tracing = createTracing({
      serviceName: "ltst-test",
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_EXPORTER_OTLP_TIMEOUT: "500" },
      onError: (_error, context) => errors.push(context),
    });
    tracing.tracer.startSpan("lost").end();
    await tracing.shutdown();
    expect(errors).toEqual(["exporting the last spans failed"]);
  });

  it("passes spans to the exporter given, with the resource of the environment", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({
      serviceName: "ltst-test",
      serviceVersion: "1.2.3",
      env: { OTEL_RESOURCE_ATTRIBUTES: "deployment.environment.name=test,team=memory" },
      exporter,
    });
    expect(tracing.exporting).toBe(true);
    tracing.tracer.startSpan("in-memory").end();
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe("in-memory");
    expect(span?.resource.attributes).toMatchObject({
      "service.name": "ltst-test",
      "service.version": "1.2.3",
      "deployment.environment.name": "test",
      team: "memory",
      "telemetry.sdk.language": "nodejs",
    });
    await tracing.shutdown();
  });

  it("honours OTEL_TRACES_SAMPLER", async () => {
    const exporter = new InMemorySpanExporter();
    const tracing = createTracing({ serviceName: "ltst-test", env: { OTEL_TRACES_SAMPLER: "always_off" }, exporter });
    const span = tracing.tracer.startSpan("sampled-out");
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(exporter.getFinishedSpans()).toEqual([]);
    await tracing.shutdown();
  });

  it("keeps the context manager while any tracing lives, and removes it with the last one", async () => {
    const exporter = new InMemorySpanExporter();
    const first = createTracing({ serviceName: "ltst-test", env: {}, exporter });
    const second = createTracing({ serviceName: "ltst-test", env: {}, exporter });
    expect(await propagates()).toBe(true);
    await first.shutdown();
    await first.shutdown(); // idempotent: does not release twice
    expect(await propagates()).toBe(true);
    await second.shutdown();
    expect(await propagates()).toBe(false);
  });
});
