import { Tiktoken } from "js-tiktoken/lite";
import cl100k_base from "js-tiktoken/ranks/cl100k_base";
import o200k_base from "js-tiktoken/ranks/o200k_base";

/** Token encodings the service can count with. */
export type EncodingName = "cl100k_base" | "o200k_base";

const encoders = new Map<EncodingName, Tiktoken>();

function encoder(name: EncodingName): Tiktoken {
  let found = encoders.get(name);
  if (!found) {
    found = new Tiktoken(name === "cl100k_base" ? cl100k_base : o200k_base);
    encoders.set(name, found);
  }
  return found;
}

/**
 * Number of tokens of `text` in the given encoding (js-tiktoken, the same
 * byte-pair encodings OpenAI models use). Special-token text is counted as
 * ordinary text.
 */
export function countTokens(text: string, encoding: EncodingName = "cl100k_base"): number {
  if (text.length === 0) return 0;
  return encoder(encoding).encode(text, [], []).length;
}
