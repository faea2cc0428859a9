import { mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Metadata, status as GrpcStatus } from "@grpc/grpc-js";
import type { Tracer } from "@opentelemetry/api";
import { sql, type DatabasePool, type QueryContext, type QueryResult, type QueryResultRow } from "slonik";
import { z } from "zod";
import { createDatabasePool } from "../../src/db/createDatabasePool.js";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "../../src/db/startEmbeddedDatabase.js";
import { createQueryTracingInterceptor } from "../../src/observability/tracing/createQueryTracingInterceptor.js";
import { createTracing, type Tracing } from "../../src/observability/tracing/createTracing.js";
import { startServerSpan } from "../../src/observability/tracing/startServerSpan.js";
import { comparisonTable, Samples, time } from "../support/stats.js";

export type TracingBenchOptions = {
  /** PostgreSQL to run against; undefined runs on the embedded database. */
  databaseUrl?: string;
  iterations: number;
};

const n = z.object({ n: z.number() });

/** What a small call does in the database: a statement, then a transaction of two. */
async function callWork(pool: DatabasePool, i: number) {
  await pool.one(sql.type(n)`SELECT ${i}::int AS n`);
  await pool.transaction(async (tx) => {
    await tx.one(sql.type(n)`SELECT ${i + 1}::int AS n`);
    await tx.one(sql.type(n)`SELECT ${i + 2}::int AS n`);
  });
}

/**
 * The tracing code of one call alone, without a database: a server span
 * around three statements' interceptor hooks, `iterations` times; CPU µs per
 * call (process user+system, so the OTLP export is counted).
 */
async function tracingCodeCpu(tracing: Tracing, metadata: Metadata, iterations: number): Promise<number> {
  const interceptor = createQueryTracingInterceptor(tracing.tracer);
  const query = { sql: "SELECT count(*)::int AS n FROM sessions WHERE user_id = $1", values: ["u"] };
  const result = { rowCount: 1, rows: [] } as unknown as QueryResult<QueryResultRow>;
  const once = async () => {
    const call = startServerSpan(tracing, { method: "/ltst.memory.v1.MessageService/AppendMessages", metadata });
    await call.runInSpan(async () => {
      for (let k = 0; k < 3; k++) {
        const queryContext = { sandbox: {} } as unknown as QueryContext;
        await interceptor.beforeQueryExecution!(queryContext, query);
        await interceptor.afterQueryExecution!(queryContext, query, result);
      }
    });
    call.end(GrpcStatus.OK);
  };
  for (let i = 0; i < 1000; i++) await once();
  const cpu = process.cpuUsage();
  for (let i = 0; i < iterations; i++) await once();
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / iterations;
}

/**
 * What tracing costs one call: the server span (traceparent extracted from
 * metadata) around three statements, each with its span, against the same
 * statements without tracing, measured in the same run, interleaved. "off"
 * is the service without OTEL_EXPORTER_OTLP_ENDPOINT (no-op tracer); "on"
 * exports over OTLP/HTTP (protobuf, batched) to a local sink, so the
 * serialisation and the sending are counted, the collector's work is not.
 */
export async function runTracingBench(options: TracingBenchOptions): Promise<string> {
  const sink = http.createServer((request, response) => {
    request.resume();
    request.on("end", () => response.writeHead(200).end());
  });
  await new Promise<void>((resolve) => sink.listen(0, "127.0.0.1", resolve));
  const endpoint = `http://127.0.0.1:${(sink.address() as AddressInfo).port}`;

  let dataDir: string | undefined;
  let embedded: EmbeddedDatabase | undefined;
  const pools: DatabasePool[] = [];
  const tracings: Tracing[] = [];
  try {
    let url = options.databaseUrl;
    if (!url) {
      dataDir = await mkdtemp(path.join(os.tmpdir(), "ltst-bench-tracing-"));
      embedded = await startEmbeddedDatabase({ dataDir, maxConnections: 8 });
      url = embedded.url;
    }
    const off = createTracing({ serviceName: "ltst-bench", env: {} });
    const on = createTracing({ serviceName: "ltst-bench", env: { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint } });
    tracings.push(off, on);
    const pool = async (tracer?: Tracer) => {
      const created = await createDatabasePool(url, { maxPoolSize: 1, ...(tracer ? { tracer } : {}) });
      pools.push(created);
      return created;
    };
    const basePool = await pool();
    // As startService wires it: the pool gets the tracer only when spans go somewhere.
    const offPool = await pool(off.exporting ? off.tracer : undefined);
    const onPool = await pool(on.tracer);

    const metadata = new Metadata();
    metadata.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    const traced = async (tracing: Tracing, target: DatabasePool, i: number) => {
      const call = startServerSpan(tracing, { method: "/ltst.memory.v1.MessageService/AppendMessages", metadata });
      await call.runInSpan(() => callWork(target, i));
      call.end(GrpcStatus.OK);
    };

    const runs = [
      { samples: new Samples(), cpuMicros: 0, run: (i: number) => callWork(basePool, i) },
      { samples: new Samples(), cpuMicros: 0, run: (i: number) => traced(off, offPool, i) },
      { samples: new Samples(), cpuMicros: 0, run: (i: number) => traced(on, onPool, i) },
    ];
    // Warm-up, then interleaved rounds in a rotating order.
    for (let i = 0; i < 50; i++) for (const { run } of runs) await run(i);
    for (let i = 0; i < options.iterations; i++) {
      for (let k = 0; k < runs.length; k++) {
        const variant = runs[(i + k) % runs.length]!;
        const cpu = process.cpuUsage();
        variant.samples.add(await time(() => variant.run(i)));
        const used = process.cpuUsage(cpu);
        variant.cpuMicros += used.user + used.system;
      }
    }
    await on.forceFlush();
    const codeIterations = Math.max(options.iterations * 20, 10_000);
    const codeOff = await tracingCodeCpu(off, metadata, codeIterations);
    const codeOn = await tracingCodeCpu(on, metadata, codeIterations);
    await on.forceFlush();
    const [base, offRun, onRun] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
    const where = options.databaseUrl ? "PostgreSQL" : "embedded";
    // Wall time on a shared machine is mostly other processes' noise; the
    // process CPU time per call is what tracing itself adds (it includes
    // the export, and PGlite's work on the embedded database).
    const cpu = (variant: (typeof runs)[0]) => variant.cpuMicros / options.iterations;
    const cpuLines = [
      "",
      `CPU per call (${where}, process user+system, mean): untraced ${cpu(base).toFixed(0)} µs; ` +
        `tracing off ${cpu(offRun).toFixed(0)} µs (ratio ${(cpu(offRun) / cpu(base)).toFixed(2)}); ` +
        `tracing on ${cpu(onRun).toFixed(0)} µs (ratio ${(cpu(onRun) / cpu(base)).toFixed(2)})`,
      `Tracing code alone (server span + 3 statement spans, no database, ${codeIterations} calls): ` +
        `off ${codeOff.toFixed(1)} µs CPU per call, on ${codeOn.toFixed(1)} µs CPU per call`,
    ];
    return (
      comparisonTable(`Tracing cost per call (3 statements), ${where}: service = with tracing, raw = without`, [
        { name: "tracing off (no endpoint)", service: offRun.samples, baseline: base.samples },
        { name: "tracing on (OTLP/HTTP to a local sink)", service: onRun.samples, baseline: base.samples },
      ]) + cpuLines.join("\n")
    );
  } finally {
    for (const created of pools) await created.end();
    for (const tracing of tracings) await tracing.shutdown();
    await embedded?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    await new Promise((resolve) => sink.close(resolve));
  }
}
