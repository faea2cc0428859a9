/**
 * Mean pooling, as sentence-transformers does it: for each text, the average
 * of its token vectors over the positions where the attention mask is 1
 * (padding is ignored). `hidden` is row-major [batchSize, sequenceLength,
 * hiddenSize]; `attentionMask` is [batchSize, sequenceLength]. A text with no
 * attended token gets a zero vector.
 */
export function meanPool(
  hidden: Float32Array,
  attentionMask: BigInt64Array,
  batchSize: number,
  sequenceLength: number,
  hiddenSize: number,
): Float32Array[] {
  if (hidden.length !== batchSize * sequenceLength * hiddenSize) {
    throw new RangeError(
      `hidden states hold ${hidden.length} values, not ${batchSize} x ${sequenceLength} x ${hiddenSize}`,
    );
  }
  if (attentionMask.length !== batchSize * sequenceLength) {
    throw new RangeError(`attention mask holds ${attentionMask.length} values, not ${batchSize} x ${sequenceLength}`);
  }
  const pooled: Float32Array[] = [];
  const sum = new Float64Array(hiddenSize);
  for (let b = 0; b < batchSize; b++) {
    sum.fill(0);
    let count = 0;
    for (let t = 0; t < sequenceLength; t++) {
      if (attentionMask[b * sequenceLength + t] === 0n) continue;
      count++;
      const offset = (b * sequenceLength + t) * hiddenSize;
      for (let j = 0; j < hiddenSize; j++) sum[j]! += hidden[offset + j]!;
    }
    const out = new Float32Array(hiddenSize);
    if (count > 0) for (let j = 0; j < hiddenSize; j++) out[j] = sum[j]! / count;
    pooled.push(out);
  }
  return pooled;
}
