import type { TokenCounter } from "./TokenCounter.js";
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
    const cached = this.cached(text, encoding);
    if (cached !== undefined) return cached;
    const count = countTokens(text, encoding);
    this.remember(text, encoding, count);
    return count;
  }

  /** The remembered count of `text`, if any (it becomes the most recently used). */
  cached(text: string, encoding: EncodingName): number | undefined {
    const key = TokenCountCache.key(text, encoding);
    const cached = this.entries.get(key);
    if (cached !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, cached);
    }
    return cached;
  }

  /** Remembers a count made elsewhere (by a TokenCounter's worker). */
  remember(text: string, encoding: EncodingName, count: number): void {
    const key = TokenCountCache.key(text, encoding);
    if (key.length > this.maxCharacters || this.entries.has(key)) return;
    this.entries.set(key, count);
    this.characters += key.length;
    for (const [oldest] of this.entries) {
      if (this.characters <= this.maxCharacters) break;
      this.entries.delete(oldest);
      this.characters -= oldest.length;
    }
  }

  // The encoding's name cannot occur in a text's first characters by accident: it ends with a NUL.
  private static key(text: string, encoding: EncodingName): string {
    return `${encoding}\u0000${text}`;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Forgets every count (and so every text kept as a key). */
  clear(): void {
    this.entries.clear();
    this.characters = 0;
  }
}

/** The process's cache for countTokensEach: at most 8 million characters of text (about 16 MB). */
const sharedCache = new TokenCountCache(8_000_000);

/**
 * Empties the process's cache of token counts, whose keys are recent texts
 * themselves: an erasure calls it so that no erased content stays in
 * memory. The cache only saves work; it refills as texts are counted again.
 */
export function forgetTokenCounts(): void {
  sharedCache.clear();
}

/**
 * Texts longer than this (UTF-16 code units) go to countTokensEach's
 * TokenCounter, when it has one: even in O(n log n), a 1 MiB message of one
 * long "word" takes a good part of a second on the main thread.
 */
const OFFLOAD_CHARACTERS = 16_384;

/**
 * Token counts of several texts (through a cache of recent texts). Counting
 * is synchronous CPU work (a 64 KiB message takes a few milliseconds, at
 * worst some tens), so between texts this yields to the event loop every few
 * milliseconds, keeping other calls responsive, and stops with the signal's
 * reason once it aborts. Given a TokenCounter, it sends the long texts the
 * cache does not know to its worker threads (while it counts the others),
 * so that no single text holds up the event loop either.
 */
export async function countTokensEach(
  texts: readonly string[],
  encoding: EncodingName,
  signal?: AbortSignal,
  cache: TokenCountCache = sharedCache,
  counter?: TokenCounter,
): Promise<number[]> {
  const counts: number[] = new Array<number>(texts.length);
  const offloaded: number[] = [];
  if (counter) {
    texts.forEach((text, i) => {
      if (text.length <= OFFLOAD_CHARACTERS) return;
      const cached = cache.cached(text, encoding);
      if (cached === undefined) offloaded.push(i);
      else counts[i] = cached;
    });
  }
  const offloadedTexts = offloaded.map((i) => texts[i]!);
  const counting = counter && offloaded.length > 0 ? counter.count(offloadedTexts, encoding, signal) : undefined;
  // Settled here so that an abort while the texts below are counted cannot
  // leave the worker's rejection unhandled; it is rethrown when awaited.
  counting?.catch(() => undefined);
  const elsewhere = new Set(counting ? offloaded : []);
  let sliceStart = performance.now();
  for (let i = 0; i < texts.length; i++) {
    if (counts[i] !== undefined || elsewhere.has(i)) continue;
    if (performance.now() - sliceStart > COUNTING_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
    counts[i] = cache.count(texts[i]!, encoding);
  }
  if (counting) {
    const offloadedCounts = await counting;
    offloaded.forEach((textIndex, j) => {
      counts[textIndex] = offloadedCounts[j]!;
      cache.remember(offloadedTexts[j]!, encoding, offloadedCounts[j]!);
    });
  }
  return counts;
}
