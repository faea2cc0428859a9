import { Tensor, type InferenceSession } from "onnxruntime-node";
import { DEFAULT_MAX_BATCH_SIZE, EMBEDDING_DIMENSIONS, MODEL_NAME } from "./constants.js";
import { createSerialQueue } from "./createSerialQueue.js";
import type { Embedder } from "./Embedder.js";
import { l2Normalize } from "./l2Normalize.js";
import { meanPool } from "./meanPool.js";
import { padBatch, type TokenBatch } from "./padBatch.js";
import { chunkIndices, planBatches } from "./planBatches.js";
import type { EncodedText, TextTokenizer } from "./TextTokenizer.js";

/** What the embedder needs of an onnxruntime InferenceSession. */
export type EmbeddingSession = Pick<InferenceSession, "inputNames" | "outputNames" | "run" | "release"> &
  Partial<Pick<InferenceSession, "outputMetadata">>;

/** Output names of BERT exports that hold per-token hidden states, in order of preference. */
const TOKEN_OUTPUT_NAMES = ["last_hidden_state", "token_embeddings"] as const;
const REQUIRED_INPUTS = ["input_ids", "attention_mask"] as const;
const OPTIONAL_INPUTS = ["token_type_ids"] as const;

export interface OnnxEmbedderOptions {
  /** Reported as `modelName`. Default MODEL_NAME. */
  readonly modelName?: string;
  /** Most texts per model run. Default DEFAULT_MAX_BATCH_SIZE (32). */
  readonly maxBatchSize?: number;
  /**
   * Group texts of similar token length into runs (planBatches) rather than
   * running them in input order. Default true; the results are the same.
   */
  readonly lengthBucketing?: boolean;
  /** Named in error messages. */
  readonly modelPath?: string;
}

/**
 * Sentence embeddings from a BERT-style ONNX model: tokenise, run the model,
 * mean-pool the token vectors over the attention mask, L2-normalise — the
 * sentence-transformers pipeline of all-MiniLM-L6-v2.
 *
 * One session serves every call. Model runs are serialised, one batch at a
 * time, so concurrent calls interleave batch by batch instead of a large call
 * holding up a small one until it finishes.
 */
export class OnnxEmbedder implements Embedder {
  readonly modelName: string;
  readonly dimensions = EMBEDDING_DIMENSIONS;
  readonly maxBatchSize: number;
  private readonly lengthBucketing: boolean;
  private readonly modelLabel: string;
  private readonly outputName: string;
  private readonly feedsTokenTypeIds: boolean;
  private readonly runSerially = createSerialQueue();
  private readonly inFlight = new Set<Promise<unknown>>();
  private closing: Promise<void> | null = null;

  constructor(
    private readonly session: EmbeddingSession,
    private readonly tokenizer: TextTokenizer,
    options: OnnxEmbedderOptions = {},
  ) {
    const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new RangeError(`maxBatchSize must be a positive integer, got ${maxBatchSize}`);
    }
    this.maxBatchSize = maxBatchSize;
    this.modelName = options.modelName ?? MODEL_NAME;
    this.lengthBucketing = options.lengthBucketing ?? true;
    this.modelLabel = options.modelPath ?? "the embedding model";

    const inputs = session.inputNames;
    const missingInputs = REQUIRED_INPUTS.filter((name) => !inputs.includes(name));
    const unknownInputs = inputs.filter(
      (name) => !(REQUIRED_INPUTS as readonly string[]).includes(name) && !(OPTIONAL_INPUTS as readonly string[]).includes(name),
    );
    if (missingInputs.length > 0 || unknownInputs.length > 0) {
      throw new Error(
        `${this.modelLabel} is not a BERT sentence-embedding model: its inputs are [${inputs.join(", ")}], ` +
          `expected input_ids, attention_mask and optionally token_type_ids`,
      );
    }
    this.feedsTokenTypeIds = inputs.includes("token_type_ids");

    const outputName = TOKEN_OUTPUT_NAMES.find((name) => session.outputNames.includes(name));
    if (outputName === undefined) {
      throw new Error(
        `${this.modelLabel} has no per-token output: its outputs are [${session.outputNames.join(", ")}], ` +
          `expected ${TOKEN_OUTPUT_NAMES.join(" or ")}`,
      );
    }
    this.outputName = outputName;
    const metadata = session.outputMetadata?.find((m) => m.name === outputName);
    const width = metadata?.isTensor ? metadata.shape[metadata.shape.length - 1] : undefined;
    if (typeof width === "number" && width !== EMBEDDING_DIMENSIONS) this.throwWrongWidth(width);
  }

  async embed(texts: readonly string[]): Promise<Float32Array[]> {
    if (this.closing !== null) throw new Error("the embedder is closed");
    if (!Array.isArray(texts)) throw new TypeError("texts must be an array of strings");
    const call = this.embedAll(texts);
    this.inFlight.add(call);
    try {
      return await call;
    } finally {
      this.inFlight.delete(call);
    }
  }

  /** Stops accepting calls, waits for the calls in progress, and releases the session. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      await this.runSerially(() => this.session.release());
    })();
    return this.closing;
  }

  private async embedAll(texts: readonly string[]): Promise<Float32Array[]> {
    const encoded: EncodedText[] = texts.map((text, i) => {
      if (typeof text !== "string") throw new TypeError(`texts[${i}] must be a string, got ${typeof text}`);
      return this.tokenizer.encode(text);
    });
    const plan = this.lengthBucketing
      ? planBatches(
          encoded.map((e) => e.ids.length),
          this.maxBatchSize,
        )
      : chunkIndices(encoded.length, this.maxBatchSize);

    const vectors = new Array<Float32Array>(texts.length);
    for (const indices of plan) {
      const batch = padBatch(
        indices.map((i) => encoded[i]!),
        this.tokenizer.padId,
      );
      const pooled = await this.runSerially(() => this.runBatch(batch));
      indices.forEach((textIndex, row) => {
        vectors[textIndex] = pooled[row]!;
      });
    }
    return vectors;
  }

  private async runBatch(batch: TokenBatch): Promise<Float32Array[]> {
    const dims = [batch.batchSize, batch.sequenceLength];
    const feeds: Record<string, Tensor> = {
      input_ids: new Tensor("int64", batch.inputIds, dims),
      attention_mask: new Tensor("int64", batch.attentionMask, dims),
    };
    if (this.feedsTokenTypeIds) feeds["token_type_ids"] = new Tensor("int64", batch.tokenTypeIds, dims);

    const output = (await this.session.run(feeds, [this.outputName]))[this.outputName];
    if (output === undefined) throw new Error(`${this.modelLabel} returned no ${this.outputName}`);
    const [outBatch, outSequence, width] = output.dims;
    if (output.dims.length !== 3 || outBatch !== batch.batchSize || outSequence !== batch.sequenceLength) {
      throw new Error(
        `${this.modelLabel} returned ${this.outputName} of shape [${output.dims.join(", ")}], ` +
          `expected [${batch.batchSize}, ${batch.sequenceLength}, ${EMBEDDING_DIMENSIONS}]`,
      );
    }
    if (width !== EMBEDDING_DIMENSIONS) this.throwWrongWidth(width ?? 0);
    if (output.type !== "float32") {
      throw new Error(`${this.modelLabel} returned ${output.type} ${this.outputName}, expected float32`);
    }
    const pooled = meanPool(
      output.data as Float32Array,
      batch.attentionMask,
      batch.batchSize,
      batch.sequenceLength,
      EMBEDDING_DIMENSIONS,
    );
    return pooled.map(l2Normalize);
  }

  private throwWrongWidth(width: number): never {
    throw new Error(
      `${this.modelLabel} produces ${width}-dimensional token vectors, but the service stores ` +
        `${EMBEDDING_DIMENSIONS}-dimensional all-MiniLM-L6-v2 embeddings; use the all-MiniLM-L6-v2 model files`,
    );
  }
}
