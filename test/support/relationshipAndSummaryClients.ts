import * as grpc from "@grpc/grpc-js";
import { RelationshipServiceClient } from "../../gen/ts/ltst/memory/v1/relationship.js";
import { SummaryServiceClient } from "../../gen/ts/ltst/memory/v1/summary.js";
import { callUnary } from "./clients.js";

/** Promisified RelationshipService and SummaryService clients; close() when done. */
export function createRelationshipAndSummaryClients(address: string) {
  const credentials = grpc.credentials.createInsecure();
  const relationships = new RelationshipServiceClient(address, credentials);
  const summaries = new SummaryServiceClient(address, credentials);
  return {
    relationships: {
      link: (request: Parameters<typeof relationships.linkSessions>[0]) => callUnary(relationships, relationships.linkSessions, request),
      unlink: (request: Parameters<typeof relationships.unlinkSessions>[0]) => callUnary(relationships, relationships.unlinkSessions, request),
      list: (request: Parameters<typeof relationships.listRelatedSessions>[0]) =>
        callUnary(relationships, relationships.listRelatedSessions, request),
    },
    summaries: {
      update: (request: Parameters<typeof summaries.updateSummary>[0]) => callUnary(summaries, summaries.updateSummary, request),
      get: (request: Parameters<typeof summaries.getSummary>[0]) => callUnary(summaries, summaries.getSummary, request),
      statistics: (request: Parameters<typeof summaries.getSessionStatistics>[0]) =>
        callUnary(summaries, summaries.getSessionStatistics, request),
    },
    close() {
      relationships.close();
      summaries.close();
    },
  };
}
