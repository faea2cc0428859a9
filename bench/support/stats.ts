/** Latency samples in milliseconds, and their percentiles. */
export class Samples {
  private readonly values: number[] = [];

  add(ms: number): void {
    this.values.push(ms);
  }

  percentile(p: number): number {
    if (this.values.length === 0) return Number.NaN;
    const sorted = [...this.values].sort((a, b) => a - b);
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
    return sorted[rank]!;
  }

  get count(): number {
    return this.values.length;
  }
}

/** Times `fn` once, in milliseconds. */
export async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export type Comparison = {
  name: string;
  service: Samples;
  baseline: Samples;
};

/** A markdown table of p50/p99 for service and baseline, with the ratio service/baseline. */
export function comparisonTable(title: string, rows: readonly Comparison[]): string {
  const f = (n: number) => n.toFixed(3);
  const lines = [
    `### ${title}`,
    "",
    "| operation | n | service p50 ms | raw p50 ms | ratio p50 | service p99 ms | raw p99 ms | ratio p99 |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const row of rows) {
    const s50 = row.service.percentile(50);
    const b50 = row.baseline.percentile(50);
    const s99 = row.service.percentile(99);
    const b99 = row.baseline.percentile(99);
    lines.push(
      `| ${row.name} | ${row.service.count} | ${f(s50)} | ${f(b50)} | ${(s50 / b50).toFixed(2)} | ${f(s99)} | ${f(b99)} | ${(s99 / b99).toFixed(2)} |`,
    );
  }
  return lines.join("\n");
}
