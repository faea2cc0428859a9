import type { RehydrateRequest, RehydrateResponse } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import type { ServerStreamingMethod } from "./bindService.js";

/**
 * Rehydrate as the client offers it: the request asks for batch_chunks
 * unless the caller set it (rehydrate.proto: several chunks per stream
 * message, which saves both sides the per-message work of a long stream),
 * and the batches are taken apart again, so that the caller iterates the
 * unbatched form whatever the server sent: one response per chunk, in
 * `chunk`, then one with the report. A server older than batch_chunks
 * ignores the field and sends that form itself.
 */
export function unbatchRehydrate(
  rehydrate: ServerStreamingMethod<RehydrateRequest, RehydrateResponse>,
): ServerStreamingMethod<RehydrateRequest, RehydrateResponse> {
  return async function* (request, options) {
    for await (const response of rehydrate({ ...request, batchChunks: request.batchChunks ?? true }, options)) {
      if (response.chunks.length === 0) {
        yield response;
        continue;
      }
      for (const chunk of response.chunks) yield { chunk, chunks: [] };
      if (response.report) yield { report: response.report, chunks: [] };
    }
  };
}
