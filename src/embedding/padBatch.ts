/** One text, tokenised and truncated, with its special tokens. */
export interface EncodedText {
  readonly ids: readonly number[];
  readonly typeIds: readonly number[];
}

/** Model inputs for a batch of texts, row-major [batchSize, sequenceLength]. */
export interface TokenBatch {
  readonly batchSize: number;
  /** Length of the longest text in the batch; shorter ones are padded to it. */
  readonly sequenceLength: number;
  readonly inputIds: BigInt64Array;
  /** 1 for real tokens, 0 for padding. */
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
}

/**
 * Pads encoded texts on the right to the longest in the batch (BERT pads with
 * id 0, [PAD], and token type 0), producing int64 tensors.
 */
export function padBatch(encoded: readonly EncodedText[], padId = 0): TokenBatch {
  const batchSize = encoded.length;
  let sequenceLength = 0;
  for (const text of encoded) sequenceLength = Math.max(sequenceLength, text.ids.length);
  const size = batchSize * sequenceLength;
  const inputIds = new BigInt64Array(size);
  const attentionMask = new BigInt64Array(size);
  const tokenTypeIds = new BigInt64Array(size);
  const pad = BigInt(padId);
  for (let b = 0; b < batchSize; b++) {
    const { ids, typeIds } = encoded[b]!;
    const row = b * sequenceLength;
    for (let t = 0; t < sequenceLength; t++) {
      if (t < ids.length) {
        inputIds[row + t] = BigInt(ids[t]!);
        attentionMask[row + t] = 1n;
        tokenTypeIds[row + t] = BigInt(typeIds[t] ?? 0);
      } else {
        inputIds[row + t] = pad;
      }
    }
  }
  return { batchSize, sequenceLength, inputIds, attentionMask, tokenTypeIds };
}
