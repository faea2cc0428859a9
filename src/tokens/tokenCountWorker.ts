/**
 * The task a TokenCounter's worker threads run (piscina loads this file's
 * default export): token counts of a batch of texts, off the main thread.
 */
import { countTokens } from "./countTokens.js";
import type { EncodingName } from "./linearTokenCount.js";

export type TokenCountTask = { texts: readonly string[]; encoding: EncodingName };

export default function tokenCountWorker({ texts, encoding }: TokenCountTask): number[] {
  return texts.map((text) => countTokens(text, encoding));
}
