import { setTimeout as sleep } from "node:timers/promises";
import { Tensor, type InferenceSession } from "onnxruntime-node";
import { describe, expect, it } from "vitest";
import { toyTokenizerJson } from "../../test/embedding/fixtures/toyTokenizerJson.js";
import { OnnxEmbedder, type EmbeddingSession } from "./OnnxEmbedder.js";
import { TextTokenizer } from "./TextTokenizer.js";

const tokenizer = new TextTokenizer(toyTokenizerJson(), {});

/**
 * A fake session: token id t gets a vector with `t + 1` in dimension t and 1
 * in dimension 383, padding gets garbage. Records the batches it ran and
 * whether two runs ever overlapped.
 */
function fakeSession(options: { width?: number; inputNames?: string[]; outputNames?: string[]; delayMs?: number } = {}) {
  const width = options.width ?? 384;
  const state = { running: 0, overlapped: false, batches: [] as number[][][], released: false };
  const session: EmbeddingSession = {
    inputNames: options.inputNames ?? ["input_ids", "attention_mask", "token_type_ids"],
    outputNames: options.outputNames ?? ["last_hidden_state"],
    async run(feeds: InferenceSession.FeedsType) {
      state.running++;
      if (state.running > 1) state.overlapped = true;
      try {
        await sleep(options.delayMs ?? 1);
        const ids = feeds["input_ids"] as Tensor;
        const mask = (feeds["attention_mask"] as Tensor).data as BigInt64Array;
        const [b, s] = ids.dims as [number, number];
        const data = new Float32Array(b * s * width);
        const rows: number[][] = [];
        for (let i = 0; i < b; i++) {
          const row: number[] = [];
          for (let t = 0; t < s; t++) {
            const id = Number((ids.data as BigInt64Array)[i * s + t]);
            if (mask[i * s + t] === 1n) row.push(id);
            const base = (i * s + t) * width;
            if (mask[i * s + t] === 0n) data.fill(1000, base, base + width);
            else {
              data[base + id] = id + 1;
              data[base + width - 1] = 1;
            }
          }
          rows.push(row);
        }
        state.batches.push(rows);
        return { last_hidden_state: new Tensor("float32", data, [b, s, width]) } as InferenceSession.ReturnType;
      } finally {
        state.running--;
      }
    },
    async release() {
      state.released = true;
    },
  };
  return { session, state };
}

/** What the fake session + pooling should give for a text's token ids. */
function expectedVector(ids: number[]): number[] {
  const v = new Array<number>(384).fill(0);
  for (const id of ids) {
    v[id]! += (id + 1) / ids.length;
    v[383]! += 1 / ids.length;
  }
  const norm = Math.hypot(...v);
  return v.map((x) => Math.fround(x / norm));
}

describe("OnnxEmbedder", () => {
  it("tokenises, runs, mean-pools over the mask and normalises, in input order", async () => {
    const { session } = fakeSession();
    const embedder = new OnnxEmbedder(session, tokenizer);
    expect(embedder.modelName).toBe("sentence-transformers/all-MiniLM-L6-v2");
    expect(embedder.dimensions).toBe(384);
    const [a, b] = await embedder.embed(["hello world", "cat"]);
    expect(Array.from(a!)).toEqual(expectedVector([2, 4, 5, 3]));
    expect(Array.from(b!)).toEqual(expectedVector([2, 6, 3]));
  });

  it("returns [] for no texts without running the model", async () => {
    const { session, state } = fakeSession();
    expect(await new OnnxEmbedder(session, tokenizer).embed([])).toEqual([]);
    expect(state.batches).toHaveLength(0);
  });

  it("splits into runs of at most maxBatchSize and gives the same vectors as one by one", async () => {
    const texts = Array.from({ length: 23 }, (_, i) => "hello world cat dog ".repeat(1 + (i % 5)).slice(0, 5 + i * 3));
    for (const lengthBucketing of [true, false]) {
      const { session, state } = fakeSession();
      const embedder = new OnnxEmbedder(session, tokenizer, { maxBatchSize: 4, lengthBucketing });
      const together = await embedder.embed(texts);
      expect(state.batches.every((b) => b.length <= 4)).toBe(true);
      expect(state.batches.flat()).toHaveLength(23);
      for (let i = 0; i < texts.length; i++) {
        const [alone] = await embedder.embed([texts[i]!]);
        expect(Array.from(together[i]!)).toEqual(Array.from(alone!));
      }
    }
  });

  it("never runs the session concurrently, and interleaves concurrent calls batch by batch", async () => {
    const { session, state } = fakeSession({ delayMs: 3 });
    const embedder = new OnnxEmbedder(session, tokenizer, { maxBatchSize: 2 });
    const big = embedder.embed(Array.from({ length: 10 }, () => "dog dog"));
    await sleep(1);
    const small = embedder.embed(["cat"]);
    const [bigResult, smallResult] = await Promise.all([big, small]);
    expect(state.overlapped).toBe(false);
    expect(bigResult).toHaveLength(10);
    expect(smallResult).toHaveLength(1);
    const smallRun = state.batches.findIndex((b) => b.length === 1 && b[0]![1] === 6);
    expect(smallRun).toBeGreaterThan(0);
    expect(smallRun).toBeLessThan(state.batches.length - 1);
  });

  it("rejects a model whose token vectors are not 384 wide", async () => {
    const { session } = fakeSession({ width: 768 });
    const embedder = new OnnxEmbedder(session, tokenizer, { modelPath: "/m/model.onnx" });
    await expect(embedder.embed(["hello"])).rejects.toThrow(
      "/m/model.onnx produces 768-dimensional token vectors, but the service stores 384-dimensional",
    );
  });

  it("rejects a wrong width known from the output metadata at construction", () => {
    const { session } = fakeSession();
    const withMetadata = {
      ...session,
      outputMetadata: [{ name: "last_hidden_state", isTensor: true, type: "float32", shape: ["batch", "sequence", 512] }],
    } as EmbeddingSession;
    expect(() => new OnnxEmbedder(withMetadata, tokenizer)).toThrow(/512-dimensional/);
  });

  it("rejects models without the BERT inputs or a per-token output", () => {
    expect(() => new OnnxEmbedder(fakeSession({ inputNames: ["input_ids"] }).session, tokenizer)).toThrow(
      /inputs are \[input_ids\]/,
    );
    expect(() => new OnnxEmbedder(fakeSession({ inputNames: ["input_ids", "attention_mask", "pixel_values"] }).session, tokenizer)).toThrow(
      /not a BERT sentence-embedding model/,
    );
    expect(() => new OnnxEmbedder(fakeSession({ outputNames: ["pooler_output"] }).session, tokenizer)).toThrow(
      /no per-token output.*pooler_output/,
    );
  });

  it("omits token_type_ids for models without that input", async () => {
    const { session } = fakeSession({ inputNames: ["input_ids", "attention_mask"] });
    const run = session.run.bind(session);
    let fed: string[] = [];
    session.run = (async (feeds: InferenceSession.FeedsType, fetches?: unknown) => {
      fed = Object.keys(feeds);
      return run(feeds, fetches as string[]);
    }) as EmbeddingSession["run"];
    await new OnnxEmbedder(session, tokenizer).embed(["hello"]);
    expect(fed.sort()).toEqual(["attention_mask", "input_ids"]);
  });

  it("rejects non-string texts and bad batch sizes", async () => {
    const embedder = new OnnxEmbedder(fakeSession().session, tokenizer);
    await expect(embedder.embed(["ok", 5 as unknown as string])).rejects.toThrow("texts[1] must be a string");
    await expect(embedder.embed("hello" as unknown as string[])).rejects.toThrow(TypeError);
    expect(() => new OnnxEmbedder(fakeSession().session, tokenizer, { maxBatchSize: 0 })).toThrow(RangeError);
  });

  it("close waits for calls in progress, releases the session once, and refuses later calls", async () => {
    const { session, state } = fakeSession({ delayMs: 5 });
    const embedder = new OnnxEmbedder(session, tokenizer, { maxBatchSize: 1 });
    const pending = embedder.embed(["hello", "world", "cat"]);
    await sleep(1);
    const closed = embedder.close();
    expect(embedder.close()).toBe(closed);
    await expect(pending).resolves.toHaveLength(3);
    await closed;
    expect(state.released).toBe(true);
    await expect(embedder.embed(["hello"])).rejects.toThrow("the embedder is closed");
  });
});
