/** 2^32: a heap key is rank * 2^32 + start, exact in a double while ranks stay below 2^21. */
const POSITION_SPAN = 4_294_967_296;

/**
 * Number of parts byte-pair merging leaves of a piece of `length` bytes:
 * starting from single bytes, repeatedly merge the adjacent pair of lowest
 * rank, the leftmost of equal ranks, until no adjacent pair has a rank. This
 * is tiktoken's merge rule (gpt-tokenizer scans for the strictly lower rank
 * left to right, tiktoken takes Rust's `min_by_key`, which keeps the first
 * of equal minima); both find the minimum by rescanning every pair after
 * each merge, quadratic in the piece's length. Here the pairs wait in a
 * binary heap ordered by (rank, start) and the parts form a linked list, so
 * a merge costs O(log n): O(n log n) in all.
 *
 * `pairRank(start, end)` is the rank of the bytes [start, end) as one token,
 * or undefined when they are not one. Those bytes are always two adjacent
 * parts, each a token or a single byte, so a lookup costs at most twice the
 * longest token.
 */
export function bytePairMergeCount(length: number, pairRank: (start: number, end: number) => number | undefined): number {
  if (length < 2) return length;
  // Part i spans [i, next[i]); `rank[i]` is the rank of merging it with the
  // following part, -1 for none and for parts merged away. A merge only ever
  // lengthens the pair at a start, so the pair there never gets a rank it had
  // before, and a heap entry whose rank differs from rank[start] is stale.
  const next = new Int32Array(length + 1);
  const previous = new Int32Array(length + 1);
  const rank = new Int32Array(length + 1).fill(-1);
  const heap = new Float64Array(3 * length);
  let heapSize = 0;

  const push = (key: number) => {
    let at = heapSize++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const parentKey = heap[parent]!;
      if (parentKey <= key) break;
      heap[at] = parentKey;
      at = parent;
    }
    heap[at] = key;
  };
  const pop = (): number => {
    const top = heap[0]!;
    const last = heap[--heapSize]!;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= heapSize) break;
      if (child + 1 < heapSize && heap[child + 1]! < heap[child]!) child++;
      if (heap[child]! >= last) break;
      heap[at] = heap[child]!;
      at = child;
    }
    heap[at] = last;
    return top;
  };
  const rate = (start: number, end: number) => {
    const found = end <= length ? pairRank(start, end) : undefined;
    rank[start] = found ?? -1;
    if (found !== undefined) push(found * POSITION_SPAN + start);
  };

  for (let i = 0; i <= length; i++) {
    next[i] = i + 1;
    previous[i] = i - 1;
  }
  for (let i = 0; i + 1 < length; i++) rate(i, i + 2);

  let parts = length;
  while (heapSize > 0) {
    const key = pop();
    const pairRankValue = Math.floor(key / POSITION_SPAN);
    const start = key - pairRankValue * POSITION_SPAN;
    if (rank[start] !== pairRankValue) continue;
    // Merge the part at `start` with the one after it.
    const absorbed = next[start]!;
    const after = next[absorbed]!;
    next[start] = after;
    previous[after] = start;
    rank[absorbed] = -1;
    parts--;
    if (after < length) rate(start, next[after]!);
    else rank[start] = -1;
    if (start > 0) rate(previous[start]!, after);
  }
  return parts;
}
