/**
 * Traces of one call, with the SDK's in-memory exporter: the server span
 * takes its parent from the W3C traceparent in the gRPC metadata, every
 * statement run inside the call is a CLIENT child of it, embedding batches of
 * the worker are traces of their own with their statements and embedding
 * runs as children, and no SQL parameter value reaches any span.
 *
 * Runs on every available backend (embedded always; PostgreSQL when
 * DATABASE_URL is set). The worker test needs pgvector (skipped with the
 * reason printed where the database has none).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { sql } from "slonik";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import type { Database } from "../../src/db/Database.js";
import { openDatabase } from "../../src/db/openDatabase.js";
import { enableVectorStorage } from "../../src/db/queries/enableVectorStorage.js";
import { startEmbeddingWorker } from "../../src/indexing/startEmbeddingWorker.js";
import { createTracing, type Tracing } from "../../src/observability/tracing/createTracing.js";
import { startServerSpan } from "../../src/observability/tracing/startServerSpan.js";
import { traceEmbedder } from "../../src/observability/tracing/traceEmbedder.js";
import { testBackends, type BackendDatabase } from "../support/backends.js";
import { fakeEmbedder, seed, workerOptions } from "../indexing/workerSupport.js";

const backends = await testBackends();

const TRACE_ID = "0af7651916cd43dd8448eb211c80319c";
const PARENT_SPAN_ID = "b7ad6b7169203331";
const METHOD = "/ltst.memory.v1.MessageService/AppendMessages";

const text = z.object({ v: z.string() });
const count = z.object({ n: z.number() });

function callMetadata(): Metadata {
  const metadata = new Metadata();
  metadata.set("traceparent", `00-${TRACE_ID}-${PARENT_SPAN_ID}-01`);
  metadata.set("tracestate", "vendor=opaque");
  return metadata;
}

/** Every string a span carries: name, attributes, status, events. */
function spanStrings(span: ReadableSpan): string[] {
  return [
    span.name,
    span.status.message ?? "",
    ...Object.entries(span.attributes).flatMap(([key, value]) => [key, JSON.stringify(value)]),
    ...span.events.flatMap((event) => [event.name, JSON.stringify(event.attributes ?? {})]),
  ];
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

for (const backend of backends) {
  describe.skipIf(backend.skipReason !== null)(`tracing [${backend.name}]`, () => {
    let database: BackendDatabase;
    let dataDir: string;
    let db: Database;
    let tracing: Tracing;
    const exporter = new InMemorySpanExporter();

    beforeAll(async () => {
      tracing = createTracing({ serviceName: "ltst-memory-test", env: {}, exporter });
      database = await backend.create();
      dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-tracing-"));
      db = await openDatabase({ databaseUrl: database.databaseUrl, dataDir, poolSize: 4, tracer: tracing.tracer });
    });

    afterAll(async () => {
      await db?.close();
      await database?.cleanup();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
      await tracing?.shutdown();
    });

    beforeEach(() => exporter.reset());

    it("gives a call a SERVER span whose parent is the traceparent, with its statements as CLIENT children", async () => {
      const secret = `secret-${randomBytes(8).toString("hex")}`;
      const call = startServerSpan(tracing, { method: METHOD, metadata: callMetadata() });
      await call.runInSpan(async () => {
        // Across awaits, a transaction and a pool checkout, the call's span stays the parent.
        await new Promise((resolve) => setImmediate(resolve));
        expect(await db.pool.one(sql.type(text)`SELECT ${secret}::text AS v`)).toEqual({ v: secret });
        await db.withTransaction(undefined, async (tx) => {
          await tx.query(sql.type(count)`SELECT count(*)::int AS n FROM sessions WHERE user_id = ${secret}`);
        });
      });
      call.end(GrpcStatus.OK);
      // Outside the call: no span.
      await db.pool.query(sql.type(count)`SELECT 1 AS n`);

      const spans = exporter.getFinishedSpans();
      const server = spans.find((span) => span.kind === SpanKind.SERVER);
      expect(server).toBeDefined();
      expect(server!.name).toBe("ltst.memory.v1.MessageService/AppendMessages");
      expect(server!.spanContext().traceId).toBe(TRACE_ID);
      expect(parentOf(server!)).toBe(PARENT_SPAN_ID);
      expect(server!.spanContext().traceState?.get("vendor")).toBe("opaque");
      expect(server!.attributes).toMatchObject({
        "rpc.system": "grpc",
        "rpc.service": "ltst.memory.v1.MessageService",
        "rpc.method": "AppendMessages",
        "rpc.grpc.status_code": GrpcStatus.OK,
      });
      expect(server!.status.code).toBe(SpanStatusCode.UNSET);

      const statements = spans.filter((span) => span.kind === SpanKind.CLIENT);
      expect(statements.map((span) => span.name)).toEqual(["SELECT", "SELECT sessions"]);
      for (const statement of statements) {
        expect(statement.spanContext().traceId).toBe(TRACE_ID);
        expect(parentOf(statement)).toBe(server!.spanContext().spanId);
        expect(statement.attributes["db.system"]).toBe("postgresql");
        expect(statement.attributes["db.system.name"]).toBe("postgresql");
        // Ended within the call. The SDK's anchored clocks can put a child's
        // end some microseconds past its parent's, so allow a millisecond.
        expect(statement.endTime[0] + statement.endTime[1] / 1e9).toBeLessThanOrEqual(server!.endTime[0] + server!.endTime[1] / 1e9 + 0.001);
      }
      expect(statements[1]!.attributes["db.query.text"]).toBe("SELECT count(*)::int AS n FROM sessions WHERE user_id = $1");
      expect(spans).toHaveLength(3);
      for (const span of spans) expect(spanStrings(span).join("\n")).not.toContain(secret);
    });

    it("ends a failed statement and a failed call with an error status, and still no parameter value", async () => {
      const secret = `secret-${randomBytes(8).toString("hex")}`;
      const call = startServerSpan(tracing, { method: METHOD, metadata: callMetadata() });
      // The driver's message quotes the value ("invalid input syntax for type integer: ...").
      await expect(call.runInSpan(() => db.pool.query(sql.type(count)`SELECT ${secret}::int AS n`))).rejects.toThrow();
      await expect(call.runInSpan(() => db.pool.query(sql.type(count)`SELECT 1 / ${0}::int AS n`))).rejects.toThrow();
      // one() that finds nothing: the statement ran fine.
      await expect(call.runInSpan(() => db.pool.one(sql.type(count)`SELECT 1 AS n WHERE false`))).rejects.toThrow();
      call.end(GrpcStatus.INVALID_ARGUMENT, "content exceeds 65536 bytes");
      call.end(GrpcStatus.OK); // ignored: a call ends once

      const spans = exporter.getFinishedSpans();
      const server = spans.find((span) => span.kind === SpanKind.SERVER)!;
      expect(server.attributes["rpc.grpc.status_code"]).toBe(GrpcStatus.INVALID_ARGUMENT);
      expect(server.status).toEqual({ code: SpanStatusCode.ERROR, message: "INVALID_ARGUMENT: content exceeds 65536 bytes" });
      const [failed, divided, notFound] = spans.filter((span) => span.kind === SpanKind.CLIENT);
      // slonik turns 22P02 into InvalidInputError, which keeps no SQLSTATE.
      expect(failed!.status).toEqual({ code: SpanStatusCode.ERROR, message: "InvalidInputError" });
      expect(failed!.attributes["error.type"]).toBe("InvalidInputError");
      expect(divided!.status.code).toBe(SpanStatusCode.ERROR);
      expect(divided!.attributes["db.response.status_code"]).toBe("22012");
      expect(notFound!.status.code).toBe(SpanStatusCode.UNSET);
      for (const span of [failed!, divided!, notFound!]) expect(parentOf(span)).toBe(server.spanContext().spanId);
      expect(spans).toHaveLength(4);
      for (const span of spans) expect(spanStrings(span).join("\n")).not.toContain(secret);
    });

    it("starts a new trace when the metadata has no (or a malformed) traceparent", async () => {
      for (const value of [undefined, "00-not-a-trace-01"]) {
        const metadata = new Metadata();
        if (value) metadata.set("traceparent", value);
        const call = startServerSpan(tracing, { method: METHOD, metadata });
        await call.runInSpan(() => db.pool.query(sql.type(count)`SELECT 1 AS n`));
        call.end(GrpcStatus.OK);
      }
      const servers = exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.SERVER);
      expect(servers).toHaveLength(2);
      for (const server of servers) {
        expect(parentOf(server)).toBeUndefined();
        expect(server.spanContext().traceId).not.toBe(TRACE_ID);
      }
      expect(exporter.getFinishedSpans().filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(2);
    });

    it("gives a worker batch a trace of its own, with its embedding run and statements as children", async (t) => {
      if (!(await enableVectorStorage(db.pool))) {
        const reason = `${backend.name} backend: the embedding worker stores vectors, and this database has no pgvector`;
        console.warn(`[skip] ${reason}`);
        t.skip(reason);
      }
      const secret = `secret-${randomBytes(8).toString("hex")}`;
      await seed(db, "u-trace", "s-trace", [`first ${secret}`, `second ${secret}`, "third"]);
      exporter.reset();
      const embedder = traceEmbedder(fakeEmbedder({ modelName: "fake-traced" }), tracing.tracer);
      const worker = startEmbeddingWorker({ ...workerOptions(db, embedder, { batchSize: 10 }), tracer: tracing.tracer });
      expect(await worker.runOnce()).toMatchObject({ claimed: 3, stored: 3, failed: 0 });
      // An idle pass makes no span at all.
      expect(await worker.runOnce()).toMatchObject({ claimed: 0 });
      await worker.stop();

      const spans = exporter.getFinishedSpans();
      const batch = spans.find((span) => span.name === "embedding batch");
      expect(batch).toBeDefined();
      expect(parentOf(batch!)).toBeUndefined();
      expect(batch!.attributes).toMatchObject({ "ltst.embedding.batch_size": 3, "ltst.embedding.stored": 3, "ltst.embedding.failed": 0 });
      const children = spans.filter((span) => span !== batch);
      // The embedding run, then the store's transaction: the sessions' lock, the store.
      expect(children.map((span) => span.name)).toEqual([
        "embeddings fake-traced",
        expect.stringMatching(/^SELECT/),
        expect.stringMatching(/^(WITH|INSERT|DELETE)/),
      ]);
      for (const child of children) {
        expect(parentOf(child)).toBe(batch!.spanContext().spanId);
        expect(child.spanContext().traceId).toBe(batch!.spanContext().traceId);
      }
      expect(children[0]!.attributes["ltst.embedding.batch_size"]).toBe(3);
      for (const span of spans) expect(spanStrings(span).join("\n")).not.toContain(secret);
    });
  });
}

describe("tracing without an endpoint", () => {
  it("records and exports nothing", async () => {
    const tracing = createTracing({ serviceName: "ltst-memory-test", env: {} });
    expect(tracing.exporting).toBe(false);
    expect(tracing.description).toBe("tracing off: OTEL_EXPORTER_OTLP_ENDPOINT is not set");
    const call = startServerSpan(tracing, { method: METHOD, metadata: callMetadata() });
    expect(call.span.isRecording()).toBe(false);
    // The caller's ids still pass through (a non-recording span keeps them).
    expect(call.span.spanContext().traceId).toBe(TRACE_ID);
    expect(call.runInSpan(() => 42)).toBe(42);
    call.end(GrpcStatus.INTERNAL);
    await tracing.shutdown();
  });
});
