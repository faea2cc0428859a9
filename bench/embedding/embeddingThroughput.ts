/**
 * Embedding throughput benchmark.
 *
 * Builds an ONNX model with all-MiniLM-L6-v2's full architecture and random
 * weights (speed does not depend on the weight values), with the real
 * tokenizer from ../shared/models/all-MiniLM-L6-v2, and measures texts/s at
 * several batch sizes for:
 *
 *  (a) our pipeline: OnnxEmbedder.embed (tokenise + run + pool + normalise),
 *      with its length-aware batching, and with plain input-order batches;
 *  (b) bare `session.run` on pre-tokenised, pre-padded tensors in input-order
 *      batches (same session settings) — the floor of any pipeline;
 *  (c) @huggingface/transformers' feature-extraction pipeline (mean pooling,
 *      normalize: true) on the same model file, loaded locally.
 *
 * Each round embeds the same corpus of varied, realistic texts once per
 * variant, variants interleaved; the figure is the median over rounds.
 *
 * Run: `npm run build && node dist/bench/embedding/embeddingThroughput.js`
 * (options: --rounds N, --texts N, --threads N, --batch-sizes 1,8,32).
 */
import { realpathSync } from "node:fs";
import { copyFile, link, mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { Tensor, type InferenceSession } from "onnxruntime-node";
import { createInferenceSession, defaultIntraOpThreads } from "../../src/embedding/createInferenceSession.js";
import { loadTokenizer } from "../../src/embedding/loadTokenizer.js";
import { OnnxEmbedder } from "../../src/embedding/OnnxEmbedder.js";
import type { TokenBatch } from "../../src/embedding/padBatch.js";
import { buildMiniLmArchitectureModel } from "../../test/fixtures/onnx/buildMiniLmArchitectureModel.js";
import {
  copySharedFiles,
  sharedModelDir,
  sharedTokenizerUnavailableReason,
} from "../../test/fixtures/onnx/prepareTestModelDir.js";

export interface EmbeddingBenchOptions {
  /** Batch sizes to measure. Default [1, 8, 32]. */
  batchSizes?: number[];
  /** Texts in the corpus embedded each round. Default 96. */
  texts?: number;
  /** Measured rounds (after one warm-up round). Default 5. */
  rounds?: number;
  /** ONNX Runtime intra-op threads for our pipeline and the bare runs. Default min(2, cores). */
  intraOpThreads?: number;
  /** Include @huggingface/transformers (c). Default true. */
  includeTransformersJs?: boolean;
  /** Progress messages. Default: none. */
  log?: (message: string) => void;
}

export interface EmbeddingBenchRow {
  batchSize: number;
  /** Texts per second, median over rounds. */
  ours: number;
  oursInputOrder: number;
  bareRun: number;
  transformersJs: number | null;
  /** ours / bareRun (goal ≥ 0.9). */
  oursVsBare: number;
  /** ours / transformersJs (goal ≥ 1.2). */
  oursVsTransformersJs: number | null;
}

export interface Report {
  rows: EmbeddingBenchRow[];
  corpus: { texts: number; meanTokens: number; minTokens: number; maxTokens: number };
  intraOpThreads: number;
  rounds: number;
  /** Largest |ours - transformers.js| over all embedding components (same model, so ~1e-6). */
  maxAbsDiffVsTransformersJs: number | null;
  elapsedSeconds: number;
  markdown: string;
}

/** Sentences of the kind an LLM memory service stores: chat turns, notes, tool output. */
const SENTENCES = [
  "ok, thanks!",
  "Can you remind me what we decided about the database migration?",
  "We agreed to keep embeddings in their own table so the schema works without pgvector.",
  "The deploy failed at 14:32 because the health check timed out after thirty seconds.",
  "Sure.",
  "Summarise the conversation so far in three bullet points.",
  "User prefers concise answers, metric units, and examples in TypeScript rather than Python.",
  "Error: connect ECONNREFUSED 127.0.0.1:5432 while running the nightly backup job.",
  "I'm planning a trip to Lisbon in May; what neighbourhoods are good for walking and food?",
  "Rehydration must stay within the token budget, dropping the oldest messages first.",
  "Yes, go ahead and open the pull request.",
  "The quarterly report shows revenue up 12% year over year, driven mostly by the enterprise tier.",
  "Please translate 'where is the train station' into Portuguese and Spanish.",
  "Session 42 was archived after ninety days of inactivity, as the retention policy requires.",
  "Why does the embedding search return unrelated results for very short queries?",
  "The assistant suggested increasing the batch size to thirty-two and pinning two intra-op threads.",
  "Noted.",
  "Meeting moved to Thursday at 10am; Priya will present the latency dashboard.",
  "Remember that my daughter is allergic to peanuts and tree nuts.",
  "gRPC deadline exceeded on AppendMessages after 5000 ms; the client retried twice with backoff.",
];

/** A deterministic corpus: single sentences, pairs, and paragraphs of up to 8 sentences (≈4–200 tokens). */
export function benchCorpus(count: number): string[] {
  const pattern = [1, 1, 2, 1, 3, 1, 1, 5, 2, 1, 8, 1, 2, 4, 1, 6];
  const texts: string[] = [];
  let next = 0;
  for (let i = 0; i < count; i++) {
    const k = pattern[i % pattern.length]!;
    const parts: string[] = [];
    for (let j = 0; j < k; j++) parts.push(SENTENCES[(next++ * 7) % SENTENCES.length]!);
    texts.push(parts.join(" "));
  }
  return texts;
}

type Variant = "ours" | "oursInputOrder" | "bareRun" | "transformersJs";
type TransformersExtractor = (
  texts: string[],
  options: { pooling: "mean"; normalize: boolean },
) => Promise<{ data: Float32Array; dims: number[]; dispose?: () => void }>;

export async function runEmbeddingBench(opts: EmbeddingBenchOptions = {}): Promise<Report> {
  const started = performance.now();
  const batchSizes = opts.batchSizes ?? [1, 8, 32];
  const rounds = opts.rounds ?? 5;
  const intraOpThreads = opts.intraOpThreads ?? defaultIntraOpThreads();
  const includeTransformersJs = opts.includeTransformersJs ?? true;
  const log = opts.log ?? (() => {});
  const unavailable = sharedTokenizerUnavailableReason();
  if (unavailable !== null) throw new Error(`cannot run the embedding benchmark: ${unavailable}`);

  // Model directory in the layout both we and transformers.js read:
  // <root>/minilm-arch/{model.onnx, onnx/model.onnx, tokenizer.json, config.json, ...}
  const root = await mkdtemp(path.join(os.tmpdir(), "ltst-embedding-bench-"));
  const modelDir = path.join(root, "minilm-arch");
  const sessions: Array<{ release(): Promise<void> }> = [];
  try {
    log("building the MiniLM-architecture model with random weights…");
    const modelPath = await buildMiniLmArchitectureModel(modelDir);
    await copySharedFiles(modelDir);
    await mkdir(path.join(modelDir, "onnx"));
    await link(modelPath, path.join(modelDir, "onnx", "model.onnx")).catch(() =>
      copyFile(modelPath, path.join(modelDir, "onnx", "model.onnx")),
    );

    const texts = benchCorpus(opts.texts ?? 96);
    const tokenizer = await loadTokenizer(
      path.join(modelDir, "tokenizer.json"),
      path.join(modelDir, "tokenizer_config.json"),
    );
    const lengths = texts.map((t) => tokenizer.encode(t).ids.length);

    // One session per variant, as a service has one: ORT caches per-shape
    // state, so variants sharing a session would disturb each other.
    const newSession = async () => {
      const session = await createInferenceSession(modelPath, { intraOpThreads });
      sessions.push(session);
      return session;
    };
    const [session, inputOrderSession, bareSession] = [await newSession(), await newSession(), await newSession()];

    const extractor = includeTransformersJs ? await loadTransformersJs(root, log) : null;

    const rows: EmbeddingBenchRow[] = [];
    let maxAbsDiff: number | null = null;
    for (const batchSize of batchSizes) {
      const ours = new OnnxEmbedder(session, tokenizer, { maxBatchSize: batchSize });
      const oursInputOrder = new OnnxEmbedder(inputOrderSession, tokenizer, {
        maxBatchSize: batchSize,
        lengthBucketing: false,
      });
      const chunks = chunk(texts, batchSize);
      const pretokenised = chunks.map((c) => tokenizer.encodeBatch(c));

      const runners: Record<Variant, (() => Promise<unknown>) | null> = {
        ours: () => ours.embed(texts),
        oursInputOrder: () => oursInputOrder.embed(texts),
        bareRun: async () => {
          for (const batch of pretokenised) await bareRun(bareSession, batch);
        },
        transformersJs:
          extractor === null
            ? null
            : async () => {
                for (const c of chunks) (await extractor(c, { pooling: "mean", normalize: true })).dispose?.();
              },
      };

      if (extractor !== null && maxAbsDiff === null) {
        maxAbsDiff = await compareWithTransformersJs(ours, extractor, texts.slice(0, 16));
      }

      log(`batch ${batchSize}: warming up…`);
      for (const run of Object.values(runners)) await run?.();
      const samples: Record<Variant, number[]> = { ours: [], oursInputOrder: [], bareRun: [], transformersJs: [] };
      for (let round = 0; round < rounds; round++) {
        // Rotate the order each round so that no variant always runs first.
        const order = (Object.keys(runners) as Variant[]).map((_, i, all) => all[(i + round) % all.length]!);
        for (const variant of order) {
          const run = runners[variant];
          if (run === null) continue;
          const t0 = performance.now();
          await run();
          samples[variant].push(texts.length / ((performance.now() - t0) / 1000));
        }
      }
      const row: EmbeddingBenchRow = {
        batchSize,
        ours: median(samples.ours),
        oursInputOrder: median(samples.oursInputOrder),
        bareRun: median(samples.bareRun),
        transformersJs: extractor === null ? null : median(samples.transformersJs),
        oursVsBare: 0,
        oursVsTransformersJs: null,
      };
      row.oursVsBare = row.ours / row.bareRun;
      row.oursVsTransformersJs = row.transformersJs === null ? null : row.ours / row.transformersJs;
      rows.push(row);
      log(`batch ${batchSize}: ours ${row.ours.toFixed(1)} texts/s`);
    }

    const corpus = {
      texts: texts.length,
      meanTokens: lengths.reduce((a, b) => a + b, 0) / lengths.length,
      minTokens: Math.min(...lengths),
      maxTokens: Math.max(...lengths),
    };
    const elapsedSeconds = (performance.now() - started) / 1000;
    const report: Omit<Report, "markdown"> = {
      rows,
      corpus,
      intraOpThreads,
      rounds,
      maxAbsDiffVsTransformersJs: maxAbsDiff,
      elapsedSeconds,
    };
    return { ...report, markdown: toMarkdown(report) };
  } finally {
    for (const s of sessions) await s.release().catch(() => {});
    await rm(root, { recursive: true, force: true });
  }
}

async function bareRun(session: InferenceSession, batch: TokenBatch): Promise<void> {
  const dims = [batch.batchSize, batch.sequenceLength];
  await session.run({
    input_ids: new Tensor("int64", batch.inputIds, dims),
    attention_mask: new Tensor("int64", batch.attentionMask, dims),
    token_type_ids: new Tensor("int64", batch.tokenTypeIds, dims),
  });
}

async function loadTransformersJs(localModelPath: string, log: (m: string) => void): Promise<TransformersExtractor> {
  log("loading @huggingface/transformers feature-extraction pipeline…");
  const { env, pipeline, LogLevel } = await import("@huggingface/transformers");
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = `${localModelPath}${path.sep}`;
  env.useFSCache = false;
  env.logLevel = LogLevel.ERROR;
  const extractor = await pipeline("feature-extraction", "minilm-arch", { dtype: "fp32", device: "cpu" });
  return extractor as unknown as TransformersExtractor;
}

/** Largest component difference between our embeddings and transformers.js's for the same texts. */
async function compareWithTransformersJs(
  ours: OnnxEmbedder,
  extractor: TransformersExtractor,
  texts: string[],
): Promise<number> {
  const mine = await ours.embed(texts);
  const theirs = await extractor(texts, { pooling: "mean", normalize: true });
  let max = 0;
  mine.forEach((v, i) => {
    for (let j = 0; j < v.length; j++) max = Math.max(max, Math.abs(v[j]! - theirs.data[i * v.length + j]!));
  });
  return max;
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function toMarkdown(report: Omit<Report, "markdown">): string {
  const f = (x: number | null, digits = 1) => (x === null ? "n/a" : x.toFixed(digits));
  const { corpus } = report;
  const lines = [
    `### Embedding throughput (all-MiniLM-L6-v2 architecture, random weights, ${report.intraOpThreads} intra-op threads)`,
    "",
    `Corpus: ${corpus.texts} texts, ${corpus.minTokens}–${corpus.maxTokens} tokens (mean ${corpus.meanTokens.toFixed(1)}); ` +
      `median of ${report.rounds} rounds; texts/s.`,
    "",
    "| batch | ours | ours, input-order batches | bare session.run | transformers.js | ours / bare (goal ≥ 0.9) | ours / transformers.js (goal ≥ 1.2) |",
    "|---:|---:|---:|---:|---:|---:|---:|",
    ...report.rows.map(
      (r) =>
        `| ${r.batchSize} | ${f(r.ours)} | ${f(r.oursInputOrder)} | ${f(r.bareRun)} | ${f(r.transformersJs)} | ` +
        `${f(r.oursVsBare, 2)} | ${f(r.oursVsTransformersJs, 2)} |`,
    ),
    "",
    `Max |ours − transformers.js| per component: ${
      report.maxAbsDiffVsTransformersJs === null ? "n/a" : report.maxAbsDiffVsTransformersJs.toExponential(2)
    }. Total time ${report.elapsedSeconds.toFixed(0)} s.`,
  ];
  return lines.join("\n");
}

function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(entry)).href;
  } catch {
    return false;
  }
}

if (isMain()) {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string" },
      texts: { type: "string" },
      threads: { type: "string" },
      "batch-sizes": { type: "string" },
      "no-transformers": { type: "boolean" },
    },
  });
  const int = (s: string | undefined) => (s === undefined ? undefined : Number.parseInt(s, 10));
  const options: EmbeddingBenchOptions = {
    log: (m) => console.error(m),
    includeTransformersJs: !values["no-transformers"],
  };
  if (values.rounds !== undefined) options.rounds = int(values.rounds)!;
  if (values.texts !== undefined) options.texts = int(values.texts)!;
  if (values.threads !== undefined) options.intraOpThreads = int(values.threads)!;
  if (values["batch-sizes"] !== undefined) options.batchSizes = values["batch-sizes"].split(",").map((s) => int(s)!);
  console.error(`shared tokenizer: ${sharedModelDir()}`);
  runEmbeddingBench(options).then(
    (report) => console.log(report.markdown),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
