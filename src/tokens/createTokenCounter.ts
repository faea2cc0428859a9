import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Piscina } from "piscina";
import { countTokens } from "./countTokens.js";
import type { EncodingName } from "./linearTokenCount.js";
import type { TokenCounter } from "./TokenCounter.js";
import type { TokenCountTask } from "./tokenCountWorker.js";

export type { TokenCounter };

export type TokenCounterOptions = {
  /**
   * Batches of at most this many characters (UTF-16 code units, all texts
   * together) are counted on the calling thread: at O(n log n) that is at
   * most a few milliseconds, less than a round trip to a worker. Larger
   * batches go to a worker thread. Default 16384.
   */
  inlineCharacters?: number;
  /**
   * Worker threads at most (each loads the rank tables of the encodings it
   * counts with, some tens of MB). Default: half the available cores, at
   * least 1.
   */
  maxThreads?: number;
  /** Idle worker threads end after this many milliseconds. Default 30000. */
  idleTimeoutMs?: number;
  /**
   * Scheduling niceness of the worker threads (Linux). Default 10: in the
   * service, counting yields to the event loop and the database. A batch
   * job whose critical path is the counting (ltst import) passes 0.
   */
  niceIncrement?: number;
};

/** An error that says the counter was closed. */
const closedError = () => new Error("the token counter is closed");

/**
 * The worker file and the Node options its threads need. From the compiled
 * dist/src/tokens/ it is the .js beside this module. From the TypeScript
 * sources (vitest, or node running src/ directly) only the .ts exists: the
 * threads then strip types (--experimental-transform-types: the sources use
 * parameter properties) and resolve the sources' "./x.js" imports to
 * "./x.ts" through the repository's test/indexing/fixtures/tsHooks.mjs,
 * which a checkout always has.
 */
function workerFile(): { filename: string; execArgv?: string[] } {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.join(here, "tokenCountWorker.js");
  if (existsSync(compiled)) return { filename: compiled };
  const source = path.join(here, "tokenCountWorker.ts");
  const hooks = path.resolve(here, "..", "..", "test", "indexing", "fixtures", "tsHooks.mjs");
  if (!existsSync(source) || !existsSync(hooks)) {
    throw new Error(`no token counting worker beside ${here}: neither tokenCountWorker.js (build with npm run build) nor the TypeScript sources with ${hooks}`);
  }
  return {
    filename: source,
    execArgv: ["--experimental-transform-types", "--disable-warning=ExperimentalWarning", "--import", hooks],
  };
}

/**
 * A TokenCounter: small batches counted inline, large ones on a pool of
 * worker threads (piscina), so that one AppendMessages of a megabyte of text
 * does not stall every other call on the event loop. Worker threads start
 * on demand and end when idle; close() ends them all.
 */
export function createTokenCounter(options: TokenCounterOptions = {}): TokenCounter {
  const inlineCharacters = options.inlineCharacters ?? 16_384;
  const { filename, execArgv } = workerFile();
  const pool = new Piscina<TokenCountTask, number[]>({
    filename,
    ...(execArgv ? { execArgv } : {}),
    name: "default",
    minThreads: 0,
    maxThreads: options.maxThreads ?? Math.max(1, Math.floor(availableParallelism() / 2)),
    idleTimeout: options.idleTimeoutMs ?? 30_000,
    // Counting threads run at a lower scheduling priority (nice +10, on
    // Linux through piscina's @napi-rs/nice): on a busy machine the event
    // loop and the database come first, and counting takes the idle time.
    niceIncrement: options.niceIncrement ?? 10,
  });
  let closed = false;

  return {
    async count(texts, encoding, signal) {
      if (closed) throw closedError();
      signal?.throwIfAborted();
      let characters = 0;
      for (const text of texts) characters += text.length;
      if (characters <= inlineCharacters) return texts.map((text) => countTokens(text, encoding));
      try {
        return await pool.run({ texts, encoding }, signal ? { signal } : {});
      } catch (error) {
        // piscina rejects an aborted task with its own AbortError; callers
        // expect the signal's reason, as from signal.throwIfAborted().
        signal?.throwIfAborted();
        if (closed) throw closedError();
        throw error;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      await pool.destroy();
    },
  };
}
