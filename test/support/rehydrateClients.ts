import * as grpc from "@grpc/grpc-js";
import { ContextServiceClient } from "../../gen/ts/ltst/memory/v1/context.js";
import {
  RehydrateRequest,
  RehydrateServiceClient,
  type RehydrateChunk,
  type RehydrateReport,
  type RehydrateResponse,
} from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import { callUnary, collectStream } from "./clients.js";

export type Rehydration = {
  chunks: RehydrateChunk[];
  report: RehydrateReport;
  responses: RehydrateResponse[];
};

/**
 * Promisified RehydrateService client (and ContextService's upsert, which
 * rehydration tests need); close() when done.
 */
export function createRehydrateClients(address: string) {
  const credentials = grpc.credentials.createInsecure();
  const client = new RehydrateServiceClient(address, credentials);
  const context = new ContextServiceClient(address, credentials);
  return {
    /**
     * Runs Rehydrate and collects the stream. Rejects unless every response
     * but the last is a chunk and the last is the report (with batch_chunks:
     * unless the chunks come in `chunks` only, the last ones with the report).
     */
    run: async (request: Partial<RehydrateRequest>, options: Partial<grpc.CallOptions> = {}): Promise<Rehydration> => {
      const responses = await collectStream(
        (req: RehydrateRequest, opts) => client.rehydrate(req, new grpc.Metadata(), opts),
        RehydrateRequest.fromPartial(request),
        { deadline: Date.now() + 20_000, ...options },
      );
      const report = responses.at(-1)?.report;
      if (!report) throw new Error("the last Rehydrate response must be the report");
      if (request.batchChunks) {
        // Batched: chunks only in `chunks`, every response but the last without the report.
        if (responses.some((response) => response.chunk)) throw new Error("a batched Rehydrate must not use `chunk`");
        if (responses.slice(0, -1).some((response) => response.report || response.chunks.length === 0)) {
          throw new Error("every batched Rehydrate response before the last must carry chunks and no report");
        }
        return { chunks: responses.flatMap((response) => response.chunks), report, responses };
      }
      const chunks = responses.slice(0, -1).map((response) => {
        if (!response.chunk || response.report || response.chunks.length > 0) throw new Error("every Rehydrate response before the last must be a chunk");
        return response.chunk;
      });
      if (responses.at(-1)!.chunks.length > 0) throw new Error("the unbatched report carries no chunks");
      return { chunks, report, responses };
    },
    upsertContext: (request: Parameters<typeof context.upsertContextEntry>[0]) =>
      callUnary(context, context.upsertContextEntry, request),
    deleteContext: (request: Parameters<typeof context.deleteContextEntry>[0]) =>
      callUnary(context, context.deleteContextEntry, request),
    client,
    close() {
      client.close();
      context.close();
    },
  };
}

export type RehydrateClients = ReturnType<typeof createRehydrateClients>;
