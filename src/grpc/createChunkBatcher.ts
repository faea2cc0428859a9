import type { RehydrateChunk, RehydrateReport, RehydrateResponse } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { encodedSizeBound } from "./encodedSizeBound.js";

/** Most bytes of chunks in one batched response (by encodedSizeBound), unless the server's limit is lower. */
export const BATCH_MAX_BYTES = 256 * 1024;

/** Kept free in a batched response under the server's limit: the report, and the framing of the fields. */
const RESERVED_BYTES = 16 * 1024;

export type ChunkBatcher = {
  /** Takes the next chunk; resolves once the transport can take more (as a write would). */
  chunk(chunk: RehydrateChunk): Promise<void>;
  /** Sends the chunks still held together with the report, as the last response. */
  report(report: RehydrateReport): Promise<void>;
};

/**
 * The sink of a Rehydrate call that asked for batch_chunks
 * (rehydrate.proto): chunks are held and sent several to a response, in
 * RehydrateResponse.chunks, the last ones with the report.
 *
 * A batch goes out when the next chunk would take it past BATCH_MAX_BYTES
 * (less, when the server's LTST_MAX_MESSAGE_BYTES, `maxMessageBytes`, is
 * small: then that less a reserve for the report), and
 * whenever the rehydration stops to wait for something else (the relevance
 * search, token counting on a worker): chunks are only held while the
 * rehydration keeps computing, so the first chunks reach the client no later
 * than in the unbatched form, less the per-message work. That wait is seen
 * as a setImmediate firing: it runs once the event loop has no more promise
 * callbacks of this call to run, that is when the call waits for I/O.
 *
 * `write` is the stream writer's (it resolves on 'drain'); a write that
 * fails (cancelled call) fails the next chunk() or report().
 */
export function createChunkBatcher(write: (response: RehydrateResponse) => Promise<void>, maxMessageBytes?: number): ChunkBatcher {
  const maxBytes = maxMessageBytes === undefined ? BATCH_MAX_BYTES : Math.max(1, Math.min(BATCH_MAX_BYTES, maxMessageBytes - RESERVED_BYTES));
  let held: RehydrateChunk[] = [];
  let heldBytes = 0;
  let flushScheduled = false;
  // The last write: the next ones wait for it (flow control), and its failure is the call's.
  let writing: Promise<void> = Promise.resolve();

  const flush = () => {
    if (held.length === 0) return writing;
    const chunks = held;
    held = [];
    heldBytes = 0;
    writing = writing.then(() => write({ chunks }));
    return writing;
  };

  return {
    async chunk(chunk) {
      const bytes = encodedSizeBound(chunk);
      if (held.length > 0 && heldBytes + bytes > maxBytes) await flush();
      held.push(chunk);
      heldBytes += bytes;
      if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(() => {
          flushScheduled = false;
          // Its failure is seen by the next chunk() or report(), which await `writing`.
          flush().catch(() => undefined);
        });
      }
      await writing;
    },
    async report(report) {
      const chunks = held;
      held = [];
      heldBytes = 0;
      await writing;
      await write({ chunks, report });
    },
  };
}

