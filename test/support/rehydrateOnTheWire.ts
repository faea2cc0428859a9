import * as grpc from "@grpc/grpc-js";
import { RehydrateRequest, RehydrateServiceClient, type RehydrateResponse } from "../../gen/ts/ltst/memory/v1/rehydrate.js";
import type { Rehydration } from "./collectRehydrate.js";

/**
 * Runs Rehydrate through the generated client, not the shipped one: the
 * tests of batch_chunks check the responses as they travel, which the
 * shipped client reassembles into one chunk per response. Rejects unless
 * every response but the last is a chunk and the last is the report; with
 * batch_chunks, unless the chunks come in `chunks` only, the last ones with
 * the report.
 */
export async function rehydrateOnTheWire(address: string, request: Partial<RehydrateRequest>, deadlineMs = 20_000): Promise<Rehydration> {
  const client = new RehydrateServiceClient(address, grpc.credentials.createInsecure());
  let responses: RehydrateResponse[];
  try {
    responses = await new Promise<RehydrateResponse[]>((resolve, reject) => {
      const received: RehydrateResponse[] = [];
      const call = client.rehydrate(RehydrateRequest.fromPartial(request), { deadline: Date.now() + deadlineMs });
      call.on("data", (response: RehydrateResponse) => received.push(response));
      call.on("error", reject);
      call.on("end", () => resolve(received));
    });
  } finally {
    client.close();
  }
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
}
