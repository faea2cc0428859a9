import { linearTokenCount, type EncodingName } from "./linearTokenCount.js";

export type { EncodingName };

/**
 * Number of tokens of `text` in the given encoding: exactly gpt-tokenizer's
 * count (the same byte-pair encodings OpenAI models use, and the same counts
 * as OpenAI's tiktoken), in O(n log n) time where gpt-tokenizer's merge is
 * quadratic in the length of a "word". Special-token text (such as
 * "<|endoftext|>") is counted as ordinary text, never refused.
 */
export function countTokens(text: string, encoding: EncodingName = "cl100k_base"): number {
  return linearTokenCount(text, encoding);
}

/** Longest stretch of counting before countTokensEach lets other work run. */
const COUNTING_SLICE_MS = 5;

/**
 * Token counts of texts seen recently, per encoding: Rehydrate counts the
 * same texts on every turn of a conversation (the summary, preferences,
 * context entries, most of the recent window), and byte-pair encoding costs
 * far more than a Map lookup. Least recently used first out; bounded by the
 * characters of the texts it keeps (they are the keys).
 */
export class TokenCountCache {
  private readonly entries = new Map<string, number>();
  private characters = 0;

  constructor(private readonly maxCharacters: number) {}

  count(text: string, encoding: EncodingName): number {
    // The encoding's name cannot occur in a text's first characters by accident: it ends with a NUL.
    const key = `${encoding}\u0000${text}`;
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, cached);
      return cached;
    }
    const count = countTokens(text, encoding);
    if (key.length <= this.maxCharacters) {
      this.entries.set(key, count);
      this.characters += key.length;
      for (const [oldest] of this.entries) {
        if (this.characters <= this.maxCharacters) break;
        this.entries.delete(oldest);
        this.characters -= oldest.length;
      }
    }
    return count;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** The process's cache for countTokensEach: at most 8 million characters of text (about 16 MB). */
const sharedCache = new TokenCountCache(8_000_000);

/**
 * Token counts of several texts (through a cache of recent texts). Counting
 * is synchronous CPU work (a 64 KiB message takes a few milliseconds, at
 * worst some tens), so
 * between texts this yields to the event loop every few milliseconds,
 * keeping other calls responsive, and stops with the signal's reason once it
 * aborts.
 */
export async function countTokensEach(
  texts: readonly string[],
  encoding: EncodingName,
  signal?: AbortSignal,
  cache: TokenCountCache = sharedCache,
): Promise<number[]> {
  const counts: number[] = [];
  let sliceStart = performance.now();
  for (const text of texts) {
    if (performance.now() - sliceStart > COUNTING_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
    counts.push(cache.count(text, encoding));
  }
  return counts;
}
