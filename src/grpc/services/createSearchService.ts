import type { RetentionOf } from "../../domain/retention/RetentionPolicies.js";
import type { Database } from "../../domain/ports/Database.js";
import { searchMessages } from "../../domain/search/searchMessages.js";
import type { Embeddings } from "../../domain/ports/Embeddings.js";
import { type SearchRequest, type SearchResponse, type SearchServiceServer } from "../../../gen/ts/ltst/memory/v1/search.js";
import { encodeMessage } from "../encode.js";
import { serverStreaming, type HandlerContext } from "../handlers.js";
import { parseSearchRequest } from "../parsers/parseSearchRequest.js";
import { searchModes } from "../parsers/searchModes.js";

export type SearchServiceDeps = {
  db: Database;
  embeddings: Embeddings;
  /** The tenant's retention cutoffs now: reads leave out what is past them. */
  retention?: RetentionOf | undefined;
};

/** SearchService: semantic, lexical and hybrid search over a user's messages, streamed best first. */
export function createSearchService(context: HandlerContext, deps: SearchServiceDeps): SearchServiceServer {
  return {
    search: serverStreaming(context, async (request: SearchRequest, writer) => {
      const input = parseSearchRequest(request);
      const outcome = await searchMessages(deps, { ...input, scope: { ...input.scope, tenantId: writer.scope.tenantId } }, writer.signal);
      const info: SearchResponse = {
        info: {
          effectiveMode: searchModes.toProto[outcome.effectiveMode],
          fallbackReason: outcome.fallbackReason,
          pendingEmbeddings: outcome.pendingEmbeddings,
        },
      };
      await writer.write(info);
      for (const hit of outcome.hits) {
        await writer.write({
          hit: {
            message: encodeMessage(hit),
            score: hit.score,
            semanticRank: hit.semanticRank ?? 0,
            lexicalRank: hit.lexicalRank ?? 0,
          },
        });
      }
    }),
  };
}
