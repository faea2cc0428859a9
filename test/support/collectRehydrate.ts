import type { RehydrateChunk, RehydrateReport, RehydrateResponse } from "../../src/client/index.js";

export type Rehydration = {
  chunks: RehydrateChunk[];
  report: RehydrateReport;
  responses: RehydrateResponse[];
};

/**
 * Drains a Rehydrate stream of the shipped client
 * (`client.rehydrate.rehydrate(...)`). Rejects unless every response but the
 * last is a chunk and the last is the report, or with the call's error.
 */
export async function collectRehydrate(stream: AsyncIterable<RehydrateResponse>): Promise<Rehydration> {
  const responses: RehydrateResponse[] = [];
  for await (const response of stream) responses.push(response);
  const report = responses.at(-1)?.report;
  if (!report) throw new Error("the last Rehydrate response must be the report");
  const chunks = responses.slice(0, -1).map((response) => {
    if (!response.chunk || response.report) throw new Error("every Rehydrate response before the last must be a chunk");
    return response.chunk;
  });
  return { chunks, report, responses };
}
