import { countTokens as countCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens as countO200k } from "gpt-tokenizer/encoding/o200k_base";

/** Token encodings the service can count with. */
export type EncodingName = "cl100k_base" | "o200k_base";

// Special-token text in user content (such as "<|endoftext|>") is ordinary
// text to us: counted, never refused.
const plainText = { disallowedSpecial: new Set<string>() };

/**
 * Number of tokens of `text` in the given encoding (gpt-tokenizer, the same
 * byte-pair encodings OpenAI models use, and the same counts as OpenAI's
 * tiktoken). Special-token text is counted as ordinary text.
 */
export function countTokens(text: string, encoding: EncodingName = "cl100k_base"): number {
  if (text.length === 0) return 0;
  return encoding === "cl100k_base" ? countCl100k(text, plainText) : countO200k(text, plainText);
}

/** Longest stretch of counting before countTokensEach lets other work run. */
const COUNTING_SLICE_MS = 5;

/**
 * Token counts of several texts. Counting is synchronous CPU work (a
 * 64 KiB message takes a few milliseconds), so between texts this yields to
 * the event loop every few milliseconds, keeping other calls responsive, and
 * stops with the signal's reason once it aborts.
 */
export async function countTokensEach(
  texts: readonly string[],
  encoding: EncodingName,
  signal?: AbortSignal,
): Promise<number[]> {
  const counts: number[] = [];
  let sliceStart = performance.now();
  for (const text of texts) {
    if (performance.now() - sliceStart > COUNTING_SLICE_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      signal?.throwIfAborted();
      sliceStart = performance.now();
    }
    counts.push(countTokens(text, encoding));
  }
  return counts;
}
