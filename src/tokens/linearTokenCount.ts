import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { bytePairMergeCount } from "./bytePairMergeCount.js";

/** Token encodings the service can count with. */
export type EncodingName = "cl100k_base" | "o200k_base";

/**
 * The parts of gpt-tokenizer's BytePairEncodingCore this counter uses. They
 * are private in its typings (4.0.0), so they are checked when first used:
 * an upgrade that renames them fails loudly here instead of counting wrong
 * (and the tests compare every count with gpt-tokenizer's own).
 */
type BytePairCore = {
  tokenSplitRegex: RegExp;
  /** Rank of a token that is valid UTF-8, by its text. */
  bytePairStringRankEncoder: Map<string, number>;
  /** Rank of any byte sequence (the binary search for tokens that are not valid UTF-8). */
  getBpeRankFromBytes(bytes: Uint8Array): number | undefined;
  /** gpt-tokenizer's own merge of one piece, with its cache of recent pieces. */
  bytePairEncode(piece: string): number[];
};

/**
 * Pieces at least this long (UTF-16 code units) are merged here in
 * O(n log n); shorter ones by gpt-tokenizer, whose quadratic merge is cheap
 * at this size and remembers recent pieces.
 */
const LONG_PIECE = 64;

const cores = new Map<EncodingName, BytePairCore>();

const require = createRequire(import.meta.url);

/**
 * gpt-tokenizer's module of `encoding`, loaded on first use: each rank table
 * takes hundreds of milliseconds to load and tens of MB to hold (o200k about
 * 70 MB), so a service that counts with one encoding never loads the other,
 * and start-up loads neither. Loaded synchronously (require of the ES module
 * file, resolved as an import would be: the same module instance as
 * `import "gpt-tokenizer/encoding/..."` elsewhere), since counting is.
 */
function loadEncoding(encoding: EncodingName): unknown {
  const file = fileURLToPath(import.meta.resolve(`gpt-tokenizer/encoding/${encoding}`));
  return (require(file) as { default: unknown }).default;
}

function coreOf(encoding: EncodingName): BytePairCore {
  let core = cores.get(encoding);
  if (core === undefined) {
    const api = loadEncoding(encoding);
    const candidate = (api as unknown as { bytePairEncodingCoreProcessor?: Partial<BytePairCore> }).bytePairEncodingCoreProcessor;
    if (
      !(candidate?.tokenSplitRegex instanceof RegExp) ||
      !(candidate.bytePairStringRankEncoder instanceof Map) ||
      typeof candidate.getBpeRankFromBytes !== "function" ||
      typeof candidate.bytePairEncode !== "function"
    ) {
      throw new Error(`gpt-tokenizer's ${encoding} no longer exposes the byte-pair core this counter relies on (written for gpt-tokenizer 4.0.0)`);
    }
    core = candidate as BytePairCore;
    cores.set(encoding, core);
  }
  return core;
}

const utf8 = new TextEncoder();

/** String.prototype.toWellFormed (Node 20+), missing from the ES2023 typings the project compiles with. */
type WellFormable = string & { toWellFormed(): string };

/** UTF-8 length of the code point starting with UTF-16 unit `unit` (a well-formed string). */
const utf8Length = (unit: number) => (unit < 0x80 ? 1 : unit < 0x800 ? 2 : unit >= 0xd800 && unit <= 0xdbff ? 4 : 3);

/** Tokens of one pre-tokenized piece that is not itself a token, merged in O(n log n). */
function countLongPiece(core: BytePairCore, piece: string): number {
  const ranks = core.bytePairStringRankEncoder;
  // TextEncoder writes a lone surrogate as U+FFFD, so the bytes gpt-tokenizer
  // merges are those of the well-formed string, and slices of that string
  // between character boundaries are exactly its valid UTF-8 sub-ranges.
  const text = (piece as WellFormable).toWellFormed();
  const bytes = utf8.encode(text);
  if (bytes.length === text.length) {
    // ASCII: byte offsets are string offsets, and every range is valid UTF-8.
    return bytePairMergeCount(bytes.length, (start, end) => ranks.get(text.slice(start, end)));
  }
  // offsets[b]: the string offset of the character starting at byte b, -1
  // inside a character. A range from a character start to a character start
  // is valid UTF-8 and is looked up by its text, as gpt-tokenizer does after
  // decoding it; any other range is not valid UTF-8 and goes to its binary
  // search of the byte-only tokens.
  const offsets = new Int32Array(bytes.length + 1).fill(-1);
  let byte = 0;
  for (let unit = 0; unit < text.length; ) {
    offsets[byte] = unit;
    const code = text.charCodeAt(unit);
    byte += utf8Length(code);
    unit += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  offsets[bytes.length] = text.length;
  return bytePairMergeCount(bytes.length, (start, end) => {
    const from = offsets[start]!;
    const to = offsets[end]!;
    return from >= 0 && to >= 0 ? ranks.get(text.slice(from, to)) : core.getBpeRankFromBytes(bytes.subarray(start, end));
  });
}

/**
 * Number of tokens of `text` in the given encoding, exactly as gpt-tokenizer
 * counts it with no special tokens allowed (special-token text such as
 * "<|endoftext|>" is ordinary text): its pre-tokenizing regular expression,
 * its rank table, its merge rule. Linear-ish where gpt-tokenizer is
 * quadratic: one long "word" (64 KiB of random letters) takes it seconds,
 * because its merge rescans the whole piece after every merge.
 */
export function linearTokenCount(text: string, encoding: EncodingName): number {
  if (text.length === 0) return 0;
  const core = coreOf(encoding);
  const ranks = core.bytePairStringRankEncoder;
  let count = 0;
  for (const [piece] of text.matchAll(core.tokenSplitRegex)) {
    if (ranks.has(piece)) count += 1;
    else if (piece.length < LONG_PIECE) count += core.bytePairEncode(piece).length;
    else count += countLongPiece(core, piece);
  }
  return count;
}
