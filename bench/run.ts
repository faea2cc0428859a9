/**
 * Benchmarks: `npm run bench [-- storage|embedding|search|rehydrate|tokens|tracing|pipeline|event-loop|startup|peers|concurrency|export|import ...] [options]`.
 * (export: BENCH_EXPORT_MESSAGES, default 1000000 on PostgreSQL, a tenth on the embedded database.)
 * (import: BENCH_IMPORT_MESSAGES messages, default 200000.)
 *
 * Each benchmark compares the service with a baseline measured in the same
 * run (raw SQL through the same pool, bare onnxruntime, ...), because these
 * machines are shared and noisy: the ratios are the result, the absolute
 * numbers are context. Storage and search run on the embedded database, and
 * also on PostgreSQL when DATABASE_URL is set.
 *
 * Options (search, rehydrate): --sizes (search: corpus sizes, default
 * 10000,100000; rehydrate: messages in the session, default
 * 1000,10000,100000), --iterations N
 * (also for storage; default BENCH_ITERATIONS or 300), --data-dir DIR (keep
 * the embedded database there and reuse what an earlier run seeded),
 * --explain (EXPLAIN ANALYZE of each mode at the largest size).
 *
 * peers (PostgreSQL only: DATABASE_URL): --sizes (prior messages, default
 * 10,100,1000,10000; add 100000 for the largest), --iterations (default 30
 * here), --cell-seconds (an implementation stops at a size after 10 turns
 * and this many seconds, default 60), --langgraph-max N (largest size
 * LangGraph runs at, default 1000),
 * --cpu-prof (a V8 profile of the service process in ./bench-profiles).
 * concurrency: --clients (default 1,4,16,64), --seconds (per cell, default
 * 5), --cpu-prof.
 * rehydrate-relevance (PostgreSQL only: DATABASE_URL, with or without
 * pgvector): Rehydrate's defaults vs the window-only call by history size;
 * --sizes (default 10000,100000), --iterations (default 30 here).
 *
 * bytes (storage per message against the minimal table, PostgreSQL only:
 * DATABASE_URL; bench/storage/bytesPerMessageBench.ts): --sizes N (messages,
 * default 10000).
 *
 * startup (embedded start-up time and memory, bench/startup): --runs N
 * (default 3), --idle-ms MS (default 10000).
 *
 * --keep-prefix P (search, PostgreSQL and Citus): keep the seeded users
 * under this prefix for the next run instead of deleting them.
 *
 * --backends embedded,postgres,citus picks the databases (default: embedded,
 * and PostgreSQL when DATABASE_URL is set; Citus is CITUS_URL, see
 * bench/support/benchTargets.ts).
 */
import { parseArgs } from "node:util";
import { runStorageBench } from "./storage/appendAndListBench.js";
import { benchTargets, type BenchTarget } from "./support/benchTargets.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: "string" },
    iterations: { type: "string" },
    "data-dir": { type: "string" },
    explain: { type: "boolean" },
    backends: { type: "string" },
    clients: { type: "string" },
    seconds: { type: "string" },
    "cpu-prof": { type: "boolean" },
    "langgraph-max": { type: "string" },
    "cell-seconds": { type: "string" },
    runs: { type: "string" },
    "idle-ms": { type: "string" },
    "keep-prefix": { type: "string" },
  },
});
const positiveInt = (name: string, value: string): number => {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return n;
};

const selected = new Set(positionals);
const wants = (name: string) => selected.size === 0 || selected.has(name);
const iterations = positiveInt("--iterations", values.iterations ?? process.env.BENCH_ITERATIONS ?? "300");
const largeSessionMessages = Number(process.env.BENCH_LARGE_SESSION ?? 100_000);

const sections: string[] = [];
const skipped = new Set<string>();
const targets = benchTargets(values.backends, process.env, (reason) => skipped.add(reason));
for (const reason of skipped) console.error(`[skip] ${reason}`);
/** Runs a section on every target, in order. */
const onTargets = async (run: (target: BenchTarget) => Promise<string>) => {
  for (const target of targets) sections.push(await run(target));
};
const dataDir = values["data-dir"] ? { dataDir: values["data-dir"] } : {};
// The peer and concurrency benchmarks run only when named: they need
// PostgreSQL, and their default runs take several minutes.
if (selected.has("peers")) {
  if (!process.env.DATABASE_URL) console.error("[skip] peers: DATABASE_URL is not set (the peers run on PostgreSQL: the role needs CREATEDB)");
  else {
    const { runPeerBench } = await import("./peers/peerBench.js");
    const sizes = (values.sizes ?? "10,100,1000,10000").split(",").map((s) => positiveInt("--sizes", s.trim()));
    sections.push(
      await runPeerBench({
        databaseUrl: process.env.DATABASE_URL,
        sizes,
        iterations: positiveInt("--iterations", values.iterations ?? "30"),
        ...(values["cell-seconds"] ? { cellSeconds: positiveInt("--cell-seconds", values["cell-seconds"]) } : {}),
        ...(values["langgraph-max"] ? { langgraphMaxSize: positiveInt("--langgraph-max", values["langgraph-max"]) } : {}),
        ...(values["cpu-prof"] ? { cpuProf: true } : {}),
        log: (message) => console.error(`[peers] ${message}`),
      }),
    );
  }
}
if (selected.has("rehydrate-relevance")) {
  if (!process.env.DATABASE_URL) console.error("[skip] rehydrate-relevance: DATABASE_URL is not set (it runs on PostgreSQL, with or without pgvector)");
  else {
    const { runRelevanceBench } = await import("./rehydrate/relevanceBench.js");
    const sizes = (values.sizes ?? "10000,100000").split(",").map((s) => positiveInt("--sizes", s.trim()));
    sections.push(
      await runRelevanceBench({
        databaseUrl: process.env.DATABASE_URL,
        sizes,
        iterations: positiveInt("--iterations", values.iterations ?? "30"),
        log: (message) => console.error(`[rehydrate-relevance] ${message}`),
      }),
    );
  }
}
// Storage per message against the minimal table (PostgreSQL), only when named.
if (selected.has("bytes")) {
  if (!process.env.DATABASE_URL) console.error("[skip] bytes: DATABASE_URL is not set (storage per message is measured on PostgreSQL: the role needs CREATEDB)");
  else {
    const { runBytesPerMessageBench } = await import("./storage/bytesPerMessageBench.js");
    const messages = positiveInt("--sizes", values.sizes ?? "10000");
    sections.push(await runBytesPerMessageBench({ databaseUrl: process.env.DATABASE_URL, messages, log: (message) => console.error(`[bytes] ${message}`) }));
  }
}
if (selected.has("concurrency") && targets.every((t) => t.name === "citus")) {
  console.error("[skip] concurrency: no database to run on (--backends embedded,postgres; postgres needs DATABASE_URL)");
} else if (selected.has("concurrency")) {
  const { runConcurrencyBench } = await import("./concurrency/concurrencyBench.js");
  const clients = (values.clients ?? "1,4,16,64").split(",").map((s) => positiveInt("--clients", s.trim()));
  sections.push(
    await runConcurrencyBench({
      targets,
      clients,
      seconds: positiveInt("--seconds", values.seconds ?? "5"),
      ...(values["cpu-prof"] ? { cpuProf: true } : {}),
      log: (message) => console.error(`[concurrency] ${message}`),
    }),
  );
}
if (wants("storage")) {
  await onTargets((t) => runStorageBench({ ...t, iterations, largeSessionMessages }));
}
if (wants("search")) {
  const { runSearchBench } = await import("./search/searchBench.js");
  const sizes = (values.sizes ?? "10000,100000").split(",").map((s) => positiveInt("--sizes", s.trim()));
  const log = (message: string) => console.error(`[search] ${message}`);
  const common = { sizes, iterations, ...(values.explain ? { explain: true } : {}), log };
  const keep = values["keep-prefix"] ? { keepPrefix: values["keep-prefix"] } : {};
  await onTargets((t) => runSearchBench({ ...common, ...t, ...(t.name === "embedded" ? { ...dataDir, queryEmbedding: true } : keep) }));
}
if (wants("rehydrate")) {
  const { runRehydrateBench } = await import("./rehydrate/rehydrateBench.js");
  const sizes = (values.sizes ?? "1000,10000,100000").split(",").map((s) => positiveInt("--sizes", s.trim()));
  const log = (message: string) => console.error(`[rehydrate] ${message}`);
  await onTargets((t) => runRehydrateBench({ sizes, iterations, log, ...t, ...(t.name === "embedded" ? dataDir : {}) }));
}
if (wants("tracing")) {
  const { runTracingBench } = await import("./tracing/tracingBench.js");
  await onTargets((t) => runTracingBench({ ...(t.databaseUrl ? { databaseUrl: t.databaseUrl } : {}), iterations }));
}
if (wants("pipeline")) {
  const { runPipelineBench } = await import("./pipeline/pipelineBench.js");
  const log = (message: string) => console.error(`[pipeline] ${message}`);
  await onTargets((t) => runPipelineBench({ ...(t.databaseUrl ? { databaseUrl: t.databaseUrl } : {}), iterations, log }));
}
if (wants("event-loop")) {
  const { runAdversarialAppendBench } = await import("./eventLoop/adversarialAppendBench.js");
  const log = (message: string) => console.error(`[event-loop] ${message}`);
  await onTargets((t) => runAdversarialAppendBench({ ...(t.databaseUrl ? { databaseUrl: t.databaseUrl } : {}), messages: 20, log }));
}
if (wants("export")) {
  const { runExportBench } = await import("./export/exportBench.js");
  const log = (message: string) => console.error(`[export] ${message}`);
  const messages = positiveInt("BENCH_EXPORT_MESSAGES", process.env.BENCH_EXPORT_MESSAGES ?? "1000000");
  // The embedded database seeds several times slower: a tenth as many by default.
  sections.push(await runExportBench({ messages: Math.max(1, Math.floor(messages / 10)), log }));
  if (process.env.DATABASE_URL) {
    sections.push(await runExportBench({ databaseUrl: process.env.DATABASE_URL, messages, log }));
  } else {
    console.error("[skip] export on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("import")) {
  const { runImportBench } = await import("./import/importBench.js");
  const messages = positiveInt("BENCH_IMPORT_MESSAGES", process.env.BENCH_IMPORT_MESSAGES ?? "200000");
  const log = (message: string) => console.error(`[import] ${message}`);
  // The source is a scratch database on the PostgreSQL server when there is one (as in a real migration), else embedded.
  const sourceUrl = process.env.DATABASE_URL;
  await onTargets(async (t) => {
    // Scratch databases on the target's server: a Citus cluster would need the extension and its workers in each one.
    if (t.name === "citus") return "### ltst import on Citus: not measured (the bench creates scratch databases, which a Citus cluster does not distribute)";
    return runImportBench({ messages, log, ...(t.databaseUrl ? { databaseUrl: t.databaseUrl } : {}), ...(sourceUrl ? { sourceUrl } : {}) });
  });
}
if (wants("embedding")) {
  const { runEmbeddingBenchReport } = await import("./embedding/report.js");
  sections.push(await runEmbeddingBenchReport());
}
if (wants("tokens")) {
  const { runTokenBench } = await import("./tokens/tokenBench.js");
  sections.push(await runTokenBench({ iterations, log: (message) => console.error(`[tokens] ${message}`) }));
}
if (wants("startup")) {
  const { runStartupBench } = await import("./startup/startupBench.js");
  sections.push(
    await runStartupBench({
      runs: positiveInt("--runs", values.runs ?? "3"),
      idleMs: positiveInt("--idle-ms", values["idle-ms"] ?? "10000"),
      log: (message) => console.error(`[startup] ${message}`),
    }),
  );
}
console.log(sections.join("\n\n"));
