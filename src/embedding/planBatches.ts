/**
 * Cost model for one model run, in units of "one token of a long batch",
 * measured with MiniLM's architecture on 2 CPU cores (onnxruntime 1.30): a
 * run costs a fixed overhead of about 20 tokens, plus, per padded token, a
 * linear part and an attention part that grows with the sequence length
 * (about +25% per token at 256 tokens).
 */
export const RUN_OVERHEAD_TOKENS = 20;
const ATTENTION_LENGTH_SCALE = 900;

function runCost(batchSize: number, sequenceLength: number): number {
  return RUN_OVERHEAD_TOKENS + batchSize * sequenceLength * (1 + sequenceLength / ATTENTION_LENGTH_SCALE);
}

/**
 * Groups texts into model runs of at most `maxBatchSize`, given their token
 * counts, to minimise the padded work: texts are sorted by length (as
 * sentence-transformers does) and the sorted list is split where the
 * estimated cost (runCost) is lowest, by dynamic programming. A batch pads to
 * its longest text, so mixing a 200-token text with 31 short ones would make
 * all 32 cost 200 tokens; here the long text runs with texts of similar
 * length, or alone.
 *
 * Returns the indices of `lengths` for each run, longest texts first.
 */
export function planBatches(lengths: readonly number[], maxBatchSize: number): number[][] {
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const n = lengths.length;
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b]! - lengths[a]! || a - b);
  // best[i]: cheapest cost of running order[i..n-1]; take[i]: size of the first run in it.
  const best = new Float64Array(n + 1);
  const take = new Int32Array(n + 1);
  for (let i = n - 1; i >= 0; i--) {
    const longest = lengths[order[i]!]!;
    best[i] = Infinity;
    // Largest runs first, so that ties go to full batches.
    for (let k = Math.min(maxBatchSize, n - i); k >= 1; k--) {
      const cost = runCost(k, longest) + best[i + k]!;
      if (cost < best[i]! - 1e-9) {
        best[i] = cost;
        take[i] = k;
      }
    }
  }
  const batches: number[][] = [];
  for (let i = 0; i < n; i += take[i]!) batches.push(order.slice(i, i + take[i]!));
  return batches;
}

/** Splits indices 0..count-1 into consecutive runs of at most `maxBatchSize` (input order). */
export function chunkIndices(count: number, maxBatchSize: number): number[][] {
  if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
    throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
  }
  const batches: number[][] = [];
  for (let start = 0; start < count; start += maxBatchSize) {
    batches.push(Array.from({ length: Math.min(maxBatchSize, count - start) }, (_, i) => start + i));
  }
  return batches;
}
