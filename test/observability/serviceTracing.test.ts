/**
 * Tracing through the real service: a client sends calls with a W3C
 * traceparent; each call is one SERVER span (child of the caller's span)
 * with its database statements as CLIENT children, ended with the call's
 * status, and no request content or SQL parameter value in any span.
 *
 * The service gets a tracing with the SDK's in-memory exporter (startService's
 * `tracing` option). Runs on every available backend.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryClient, SessionStatus, type MemoryClient } from "../../src/client/index.js";
import { loadConfig } from "../../src/config/loadConfig.js";
import { createTracing, type Tracing } from "../../src/observability/tracing/createTracing.js";
import { startService, type RunningService } from "../../src/server/startService.js";
import { testBackends, type BackendDatabase } from "../support/backends.js";
import { waitFor } from "../support/waitFor.js";

const backends = await testBackends();

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_SPAN_ID = "00f067aa0ba902b7";

const traceMetadata = () => {
  const metadata = new grpc.Metadata();
  metadata.set("traceparent", `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`);
  return metadata;
};

const spanText = (span: ReadableSpan) =>
  [span.name, span.status.message ?? "", JSON.stringify(span.attributes), JSON.stringify(span.events)].join("\n");

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`service tracing [${backend.name}]`, () => {
    const exporter = new InMemorySpanExporter();
    let tracing: Tracing;
    let database: BackendDatabase;
    let dataDir: string;
    let service: RunningService;
    let client: MemoryClient;

    beforeAll(async () => {
      tracing = createTracing({ serviceName: "ltst-memory-test", env: {}, exporter });
      database = await backend.create();
      dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-service-tracing-"));
      const config = loadConfig({
        LTST_GRPC_ADDRESS: "127.0.0.1:0",
        LTST_DATA_DIR: dataDir,
        LTST_LOG_LEVEL: "silent",
        LTST_MODEL_DIR: path.join(dataDir, "no-model"),
        ...(database.databaseUrl ? { DATABASE_URL: database.databaseUrl } : {}),
      });
      service = await startService(config, pino({ level: "silent" }), { tracing });
      client = createMemoryClient({ address: `127.0.0.1:${service.port}` });
    });

    afterAll(async () => {
      client?.close();
      await service?.stop(1000);
      await database?.cleanup();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      await tracing?.shutdown();
    });

    it("makes each call one SERVER span, child of the traceparent, with its statements as children", async () => {
      const secret = `secret-${randomBytes(8).toString("hex")}`;
      exporter.reset();
      await client.sessions.createSession(
        {
          userId: `user-${secret}`,
          sessionId: "s-traced",
          name: `name ${secret}`,
          type: "",
          status: SessionStatus.SESSION_STATUS_ACTIVE,
          metadata: { note: secret },
          relevanceScore: 0,
        },
        { metadata: traceMetadata() },
      );
      const missing = await client.sessions
        .getSession({ userId: `user-${secret}`, sessionId: "nope" }, { metadata: traceMetadata() })
        .catch((error: grpc.ServiceError) => error);
      expect((missing as grpc.ServiceError).code).toBe(grpc.status.NOT_FOUND);

      // The server span ends after the response is sent: wait for both.
      await waitFor(() => exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER).length >= 2, {
        timeoutMs: 5000,
        intervalMs: 10,
        message: "both server spans to end",
      }).catch(() => undefined);
      const spans = exporter.getFinishedSpans();
      const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
      expect(servers.map((span) => span.name)).toEqual([
        "ltst.memory.v1.SessionService/CreateSession",
        "ltst.memory.v1.SessionService/GetSession",
      ]);
      const [create, get] = servers as [ReadableSpan, ReadableSpan];
      for (const server of servers) {
        expect(server.spanContext().traceId).toBe(TRACE_ID);
        expect(server.parentSpanContext?.spanId).toBe(PARENT_SPAN_ID);
        expect(server.attributes).toMatchObject({ "rpc.system": "grpc", "ltst.tenant": "default", "ltst.request_id": expect.any(String) });
      }
      expect(create.attributes["rpc.grpc.status_code"]).toBe(grpc.status.OK);
      expect(create.status.code).toBe(SpanStatusCode.UNSET);
      expect(get.attributes["rpc.grpc.status_code"]).toBe(grpc.status.NOT_FOUND);
      expect(get.status).toEqual({ code: SpanStatusCode.ERROR, message: "NOT_FOUND" });

      for (const server of servers) {
        const children = spans.filter((span) => span.parentSpanContext?.spanId === server.spanContext().spanId);
        expect(children.length).toBeGreaterThan(0);
        for (const child of children) {
          expect(child.kind).toBe(SpanKind.CLIENT);
          expect(child.attributes["db.system"]).toBe("postgresql");
        }
      }
      // Every span of these calls is the server span or a child of one.
      const serverIds = new Set(servers.map((span) => span.spanContext().spanId));
      for (const span of spans) {
        expect(span.spanContext().traceId).toBe(TRACE_ID);
        if (span.kind !== SpanKind.SERVER) expect(serverIds.has(span.parentSpanContext?.spanId ?? "")).toBe(true);
        expect(spanText(span)).not.toContain(secret);
      }
    });
  });
}
