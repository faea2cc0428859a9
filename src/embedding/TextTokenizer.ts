import { Tokenizer } from "@huggingface/tokenizers";
import { MAX_SEQUENCE_LENGTH } from "./constants.js";
import { padBatch, type EncodedText, type TokenBatch } from "./padBatch.js";

export type { EncodedText };

export interface TextTokenizerOptions {
  /** Longest encoding, special tokens included. Default MAX_SEQUENCE_LENGTH (256). */
  readonly maxLength?: number;
}

/** Pre-tokenizers that split on whitespace, so a cut at a space is a token boundary. */
const WHITESPACE_SPLITTING_PRE_TOKENIZERS = new Set(["BertPreTokenizer", "Whitespace", "WhitespaceSplit"]);

/**
 * Characters tokenised per allowed token before the whole text is: a text
 * longer than maxLength * this is first tokenised only up to a space near that
 * point (see `encode`).
 */
const PREFIX_CHARS_PER_TOKEN = 16;

/**
 * Wraps a Hugging Face tokenizer (`@huggingface/tokenizers`, loaded from the
 * model's tokenizer.json) for sentence embedding: adds the special tokens
 * ([CLS] … [SEP] for BERT), truncates to the model's window the way
 * Hugging Face does (content tokens are cut, the special tokens kept), and
 * pads batches to their longest text.
 *
 * truncation/padding settings inside tokenizer.json (128 and fixed-128 for
 * all-MiniLM-L6-v2) are ignored: the window is `maxLength`, and padding is to
 * the longest text in each batch.
 */
export class TextTokenizer {
  readonly maxLength: number;
  readonly padId: number;
  private readonly tokenizer: Tokenizer;
  /** Special tokens before and after the content of a single text. */
  private readonly specialPrefix: number;
  private readonly specialSuffix: number;
  private readonly canTokenizePrefix: boolean;

  /**
   * @param tokenizerJson parsed tokenizer.json
   * @param tokenizerConfig parsed tokenizer_config.json, or {} when absent
   */
  constructor(tokenizerJson: Record<string, unknown>, tokenizerConfig: Record<string, unknown>, options: TextTokenizerOptions = {}) {
    const maxLength = options.maxLength ?? MAX_SEQUENCE_LENGTH;
    // Drop the file's own truncation/padding so that no library version can apply them.
    const { truncation: _truncation, padding, ...json } = tokenizerJson;
    this.tokenizer = new Tokenizer(json, tokenizerConfig);

    const probe = "a";
    const withSpecial = this.tokenizer.encode(probe).ids;
    const bare = this.tokenizer.encode(probe, { add_special_tokens: false }).ids;
    const at = indexOfSequence(withSpecial, bare);
    if (bare.length === 0 || at < 0) {
      throw new Error("unsupported tokenizer: cannot locate the text between its special tokens");
    }
    this.specialPrefix = at;
    this.specialSuffix = withSpecial.length - at - bare.length;
    if (!Number.isInteger(maxLength) || maxLength <= this.specialPrefix + this.specialSuffix) {
      throw new RangeError(`maxLength must be an integer above ${this.specialPrefix + this.specialSuffix}, got ${maxLength}`);
    }
    this.maxLength = maxLength;
    this.padId = padIdOf(padding, tokenizerConfig, this.tokenizer);
    const preTokenizer = (tokenizerJson["pre_tokenizer"] as { type?: unknown } | null | undefined)?.type;
    this.canTokenizePrefix = typeof preTokenizer === "string" && WHITESPACE_SPLITTING_PRE_TOKENIZERS.has(preTokenizer);
  }

  /**
   * Tokenises one text with special tokens, truncated to `maxLength`.
   *
   * A very long text is first tokenised only up to a space: since the
   * pre-tokenizer splits on whitespace, the tokens of that prefix are the
   * first tokens of the whole text, and if there are enough of them the rest
   * of the text cannot change the result. This bounds the work per text.
   */
  encode(text: string): EncodedText {
    if (typeof text !== "string") throw new TypeError(`text must be a string, got ${typeof text}`);
    if (this.canTokenizePrefix) {
      for (let limit = this.maxLength * PREFIX_CHARS_PER_TOKEN; limit < text.length; limit *= 4) {
        const cut = Math.max(text.lastIndexOf(" ", limit), text.lastIndexOf("\n", limit));
        if (cut <= 0) continue;
        const encoded = this.encodeWhole(text.slice(0, cut));
        if (encoded.ids.length >= this.maxLength) return this.truncate(encoded);
      }
    }
    return this.truncate(this.encodeWhole(text));
  }

  /** Tokenises texts and pads them to the longest, as int64 model inputs. */
  encodeBatch(texts: readonly string[]): TokenBatch {
    return padBatch(
      texts.map((text) => this.encode(text)),
      this.padId,
    );
  }

  private encodeWhole(text: string): EncodedText {
    const { ids, token_type_ids } = this.tokenizer.encode(text, { return_token_type_ids: true });
    // Tokenizers without a post-processor return no type ids: all text is type 0.
    return { ids, typeIds: token_type_ids ?? new Array<number>(ids.length).fill(0) };
  }

  /** Keeps the special prefix, the first content tokens that fit, and the special suffix. */
  private truncate(encoded: EncodedText): EncodedText {
    const { ids, typeIds } = encoded;
    if (ids.length <= this.maxLength) return encoded;
    const head = this.maxLength - this.specialSuffix;
    const tail = ids.length - this.specialSuffix;
    return {
      ids: [...ids.slice(0, head), ...ids.slice(tail)],
      typeIds: [...typeIds.slice(0, head), ...typeIds.slice(tail)],
    };
  }
}

function indexOfSequence(haystack: readonly number[], needle: readonly number[]): number {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function padIdOf(padding: unknown, config: Record<string, unknown>, tokenizer: Tokenizer): number {
  const fromPadding = (padding as { pad_id?: unknown } | null | undefined)?.pad_id;
  if (typeof fromPadding === "number") return fromPadding;
  const padToken = typeof config["pad_token"] === "string" ? config["pad_token"] : "[PAD]";
  return tokenizer.token_to_id(padToken) ?? 0;
}
