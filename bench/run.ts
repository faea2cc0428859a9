/**
 * Benchmarks: `npm run bench [-- storage|embedding ...]`.
 *
 * Each benchmark compares the service with a baseline measured in the same
 * run (raw SQL through the same pool, bare onnxruntime, ...), because these
 * machines are shared and noisy: the ratios are the result, the absolute
 * numbers are context. Storage runs on the embedded database, and also on
 * PostgreSQL when DATABASE_URL is set.
 */
import { runStorageBench } from "./storage/appendAndListBench.js";

const selected = new Set(process.argv.slice(2));
const wants = (name: string) => selected.size === 0 || selected.has(name);
const iterations = Number(process.env.BENCH_ITERATIONS ?? 300);
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
if (wants("embedding")) {
  const { runEmbeddingBenchReport } = await import("./embedding/report.js");
  sections.push(await runEmbeddingBenchReport());
}
console.log(sections.join("\n\n"));
