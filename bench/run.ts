/**
 * Benchmarks: `npm run bench [-- storage|embedding|search|rehydrate|tokens|tracing|import ...] [options]`.
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
 */
import { parseArgs } from "node:util";
import { runStorageBench } from "./storage/appendAndListBench.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    sizes: { type: "string" },
    iterations: { type: "string" },
    "data-dir": { type: "string" },
    explain: { type: "boolean" },
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
if (wants("storage")) {
  sections.push(await runStorageBench({ iterations, largeSessionMessages }));
  if (process.env.DATABASE_URL) {
    sections.push(await runStorageBench({ databaseUrl: process.env.DATABASE_URL, iterations, largeSessionMessages }));
  } else {
    console.error("[skip] storage on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("search")) {
  const { runSearchBench } = await import("./search/searchBench.js");
  const sizes = (values.sizes ?? "10000,100000").split(",").map((s) => positiveInt("--sizes", s.trim()));
  const log = (message: string) => console.error(`[search] ${message}`);
  const common = { sizes, iterations, ...(values.explain ? { explain: true } : {}), log };
  sections.push(await runSearchBench({ ...common, ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}), queryEmbedding: true }));
  if (process.env.DATABASE_URL) {
    sections.push(await runSearchBench({ ...common, databaseUrl: process.env.DATABASE_URL }));
  } else {
    console.error("[skip] search on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("rehydrate")) {
  const { runRehydrateBench } = await import("./rehydrate/rehydrateBench.js");
  const sizes = (values.sizes ?? "1000,10000,100000").split(",").map((s) => positiveInt("--sizes", s.trim()));
  const log = (message: string) => console.error(`[rehydrate] ${message}`);
  const common = { sizes, iterations, log };
  sections.push(await runRehydrateBench({ ...common, ...(values["data-dir"] ? { dataDir: values["data-dir"] } : {}) }));
  if (process.env.DATABASE_URL) {
    sections.push(await runRehydrateBench({ ...common, databaseUrl: process.env.DATABASE_URL }));
  } else {
    console.error("[skip] rehydrate on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("tracing")) {
  const { runTracingBench } = await import("./tracing/tracingBench.js");
  sections.push(await runTracingBench({ iterations }));
  if (process.env.DATABASE_URL) {
    sections.push(await runTracingBench({ databaseUrl: process.env.DATABASE_URL, iterations }));
  } else {
    console.error("[skip] tracing on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("pipeline")) {
  const { runPipelineBench } = await import("./pipeline/pipelineBench.js");
  const log = (message: string) => console.error(`[pipeline] ${message}`);
  sections.push(await runPipelineBench({ iterations, log }));
  if (process.env.DATABASE_URL) {
    sections.push(await runPipelineBench({ databaseUrl: process.env.DATABASE_URL, iterations, log }));
  } else {
    console.error("[skip] pipeline on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("event-loop")) {
  const { runAdversarialAppendBench } = await import("./eventLoop/adversarialAppendBench.js");
  const log = (message: string) => console.error(`[event-loop] ${message}`);
  sections.push(await runAdversarialAppendBench({ messages: 20, log }));
  if (process.env.DATABASE_URL) {
    sections.push(await runAdversarialAppendBench({ databaseUrl: process.env.DATABASE_URL, messages: 20, log }));
  } else {
    console.error("[skip] event-loop on PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("import")) {
  const { runImportBench } = await import("./import/importBench.js");
  const messages = positiveInt("BENCH_IMPORT_MESSAGES", process.env.BENCH_IMPORT_MESSAGES ?? "200000");
  const log = (message: string) => console.error(`[import] ${message}`);
  const databaseUrl = process.env.DATABASE_URL;
  // The source is a scratch database on the PostgreSQL server when there is one (as in a real migration), else embedded.
  sections.push(await runImportBench({ messages, log, ...(databaseUrl ? { sourceUrl: databaseUrl } : {}) }));
  if (databaseUrl) {
    sections.push(await runImportBench({ messages, log, databaseUrl, sourceUrl: databaseUrl }));
  } else {
    console.error("[skip] import into PostgreSQL: DATABASE_URL is not set");
  }
}
if (wants("embedding")) {
  const { runEmbeddingBenchReport } = await import("./embedding/report.js");
  sections.push(await runEmbeddingBenchReport());
}
if (wants("tokens")) {
  const { runTokenBench } = await import("./tokens/tokenBench.js");
  sections.push(await runTokenBench({ iterations, log: (message) => console.error(`[tokens] ${message}`) }));
}
console.log(sections.join("\n\n"));
