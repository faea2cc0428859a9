/**
 * Token counting benchmark: `npm run bench -- tokens [--iterations N]`.
 *
 * 1. Time per KiB of counting adversarial texts (one long "word", where
 *    byte-pair merging is slowest) at 16 KiB, 64 KiB, 256 KiB and 1 MiB, for
 *    gpt-tokenizer (quadratic: run up to 64 KiB only, larger sizes would
 *    take minutes) and for the service's counter (countTokens), against a
 *    baseline measured in the same run: UTF-8 encoding of the same text
 *    (TextEncoder), a linear pass over it. "growth" is ms/KiB at a size over
 *    ms/KiB at 16 KiB: about 1 for linear work, 4 per step for quadratic.
 *    English prose is there as the ordinary case.
 * 2. Event-loop delay (perf_hooks.monitorEventLoopDelay, p99 and max) while
 *    64 KiB adversarial texts are counted: through a TokenCounter (worker
 *    threads), inline with the linear counter, and inline with gpt-tokenizer
 *    (two texts only). The delay is how long any other call would wait.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";
import { clearMergeCache as clearCl100k, countTokens as gptCl100k } from "gpt-tokenizer/encoding/cl100k_base";
import { countTokens } from "../../src/tokens/countTokens.js";
import { createTokenCounter } from "../../src/tokens/createTokenCounter.js";
import { Samples } from "../support/stats.js";
import { random } from "../../test/support/random.js";

export type TokenBenchOptions = { iterations: number; log?: (message: string) => void };

const KiB = 1024;
const sizes = [16 * KiB, 64 * KiB, 256 * KiB, 1024 * KiB];
/** gpt-tokenizer is quadratic: 64 KiB takes seconds, 1 MiB would take many minutes. */
const gptMaxSize = 64 * KiB;

const prose =
  "It was the best of times, it was the worst of times, it was the age of wisdom, it was the age of foolishness, " +
  "it was the epoch of belief, it was the epoch of incredulity, it was the season of Light, it was the season of Darkness. ";

const kinds: Record<string, (size: number, seed: number) => string> = {
  "random-letter word": (size, seed) => {
    const next = random(seed);
    let text = "";
    for (let i = 0; i < size; i++) text += String.fromCharCode(97 + Math.floor(next() * 26));
    return text;
  },
  "repeated letter": (size, seed) => String.fromCharCode(97 + (seed % 26)).repeat(size),
  "random bytes as UTF-8": (size, seed) => {
    const next = random(seed);
    return new TextDecoder().decode(Uint8Array.from({ length: size }, () => Math.floor(next() * 256)));
  },
  "English prose": (size) => prose.repeat(Math.ceil(size / prose.length)).slice(0, size),
};

/**
 * Median of `runs` timings of fn(text), a fresh text (seed) per run so no
 * cache helps, after one run not counted (compilation, first use of the
 * rank tables).
 */
function medianMs(runs: number, text: (seed: number) => string, fn: (text: string) => unknown): number {
  const samples = new Samples();
  for (let run = 0; run <= runs; run++) {
    const input = text(run + 1);
    clearCl100k();
    const started = performance.now();
    fn(input);
    if (run > 0) samples.add(performance.now() - started);
  }
  return samples.percentile(50);
}

/** Event-loop delay while `work` runs: p99 and max in milliseconds. */
async function loopDelay(work: () => Promise<unknown>): Promise<{ p99: number; max: number; totalMs: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  // A timer keeps the loop turning, so that the histogram samples it throughout.
  const ticker = setInterval(() => undefined, 1);
  histogram.enable();
  const started = performance.now();
  await work();
  const totalMs = performance.now() - started;
  histogram.disable();
  clearInterval(ticker);
  return { p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6, totalMs };
}

const yieldToLoop = () => new Promise((resolve) => setImmediate(resolve));

export async function runTokenBench({ iterations, log = () => undefined }: TokenBenchOptions): Promise<string> {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(3) : "-");
  const lines = [
    "### Token counting (cl100k_base): time per KiB",
    "",
    "| text | size KiB | UTF-8 encode µs/KiB (baseline) | countTokens ms/KiB | ratio to baseline | growth vs 16 KiB | gpt-tokenizer ms/KiB | gpt growth vs 16 KiB |",
    "|---|---:|---:|---:|---:|---:|---:|---:|",
  ];
  const utf8 = new TextEncoder();
  for (const [kind, make] of Object.entries(kinds)) {
    let linearAt16 = Number.NaN;
    let gptAt16 = Number.NaN;
    for (const size of sizes) {
      // Fewer runs of the big texts: the medians are stable enough, and the run stays short.
      const runs = Math.max(3, Math.round(iterations / 100 / (size / (16 * KiB))));
      log(`${kind}, ${size / KiB} KiB, ${runs} runs`);
      const text = (seed: number) => make(size, seed);
      const baseline = medianMs(runs * 10, text, (t) => utf8.encode(t)) / (size / KiB);
      const linear = medianMs(runs, text, (t) => countTokens(t)) / (size / KiB);
      const gpt = size <= gptMaxSize ? medianMs(Math.min(runs, 2), text, (t) => gptCl100k(t, { disallowedSpecial: new Set() })) / (size / KiB) : Number.NaN;
      if (size === sizes[0]) {
        linearAt16 = linear;
        gptAt16 = gpt;
      }
      lines.push(
        `| ${kind} | ${size / KiB} | ${f(baseline * 1000)} | ${f(linear)} | ${f(linear / baseline)} | ${f(linear / linearAt16)} | ${f(gpt)} | ${f(gpt / gptAt16)} |`,
      );
    }
  }

  const adversarial = Object.entries(kinds).filter(([kind]) => kind !== "English prose");
  const texts64 = (count: number) => Array.from({ length: count }, (_, i) => adversarial[i % adversarial.length]![1](64 * KiB, 100 + i));
  const batch = texts64(24);
  lines.push(
    "",
    `### Event-loop delay while 64 KiB adversarial texts are counted (${batch.length} texts, one call each, 4 at a time; gpt-tokenizer: 2 texts)`,
    "",
    "| counting | loop delay p99 ms | loop delay max ms | wall ms |",
    "|---|---:|---:|---:|",
  );
  const counter = createTokenCounter();
  try {
    // Start the worker threads and load their rank tables outside the measurement.
    await Promise.all([counter.count(batch.slice(0, 1), "cl100k_base"), counter.count(batch.slice(1, 2), "cl100k_base")]);
    const pooled = await loopDelay(async () => {
      for (let i = 0; i < batch.length; i += 4) {
        await Promise.all(batch.slice(i, i + 4).map((text) => counter.count([text], "cl100k_base")));
      }
    });
    lines.push(`| TokenCounter (worker threads) | ${f(pooled.p99)} | ${f(pooled.max)} | ${f(pooled.totalMs)} |`);
  } finally {
    await counter.close();
  }
  const inline = await loopDelay(async () => {
    for (const text of batch) {
      countTokens(text);
      await yieldToLoop();
    }
  });
  lines.push(`| countTokens inline (linear, main thread) | ${f(inline.p99)} | ${f(inline.max)} | ${f(inline.totalMs)} |`);
  const gpt = await loopDelay(async () => {
    for (const text of batch.slice(0, 2)) {
      clearCl100k();
      gptCl100k(text, { disallowedSpecial: new Set() });
      await yieldToLoop();
    }
  });
  lines.push(`| gpt-tokenizer inline (before) | ${f(gpt.p99)} | ${f(gpt.max)} | ${f(gpt.totalMs)} |`);
  return lines.join("\n");
}
