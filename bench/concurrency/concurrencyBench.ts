import type { BenchTarget } from "../support/benchTargets.js";
export type ConcurrencyBenchOptions = { targets: BenchTarget[]; clients: number[]; seconds: number; cpuProf?: boolean; log?: (message: string) => void };
export async function runConcurrencyBench(_options: ConcurrencyBenchOptions): Promise<string> {
  return "";
}
