/**
 * Entry point used by bench/run.ts (`npm run bench -- embedding`): runs the
 * embedding throughput benchmark and returns its markdown section.
 * Options come from the environment: BENCH_EMBEDDING_ROUNDS,
 * BENCH_EMBEDDING_TEXTS, BENCH_EMBEDDING_THREADS.
 */
import { runEmbeddingBench, type EmbeddingBenchOptions } from "./embeddingThroughput.js";

export async function runEmbeddingBenchReport(): Promise<string> {
  const options: EmbeddingBenchOptions = { log: (message) => console.error(`[embedding] ${message}`) };
  const int = (name: string) => {
    const value = process.env[name];
    if (value === undefined || value === "") return undefined;
    const n = Number.parseInt(value, 10);
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
    return n;
  };
  const rounds = int("BENCH_EMBEDDING_ROUNDS");
  const texts = int("BENCH_EMBEDDING_TEXTS");
  const threads = int("BENCH_EMBEDDING_THREADS");
  if (rounds !== undefined) options.rounds = rounds;
  if (texts !== undefined) options.texts = texts;
  if (threads !== undefined) options.intraOpThreads = threads;
  return (await runEmbeddingBench(options)).markdown;
}
