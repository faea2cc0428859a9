import type { Database } from "../../db/Database.js";
import type { RoleName } from "../../db/queries/messageRow.js";
import { searchMessages, type SearchModeName } from "../../domain/search/searchMessages.js";
import type { Embeddings } from "../../indexing/startEmbeddings.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import { SearchMode, type SearchRequest, type SearchResponse, type SearchServiceServer } from "../../../gen/ts/ltst/memory/v1/search.js";
import { encodeMessage, roleFromProto } from "../encode.js";
import { serverStreaming, type HandlerContext } from "../handlers.js";

export type SearchServiceDeps = {
  db: Database;
  embeddings: Embeddings;
};

const modeNames: Record<SearchMode, SearchModeName | null> = {
  [SearchMode.SEARCH_MODE_UNSPECIFIED]: "hybrid",
  [SearchMode.SEARCH_MODE_SEMANTIC]: "semantic",
  [SearchMode.SEARCH_MODE_LEXICAL]: "lexical",
  [SearchMode.SEARCH_MODE_HYBRID]: "hybrid",
  [SearchMode.UNRECOGNIZED]: null,
};

const modeToProto: Record<SearchModeName, SearchMode> = {
  semantic: SearchMode.SEARCH_MODE_SEMANTIC,
  lexical: SearchMode.SEARCH_MODE_LEXICAL,
  hybrid: SearchMode.SEARCH_MODE_HYBRID,
};

/** SearchService: semantic, lexical and hybrid search over a user's messages, streamed best first. */
export function createSearchService(context: HandlerContext, deps: SearchServiceDeps): SearchServiceServer {
  return {
    search: serverStreaming(context, async (request: SearchRequest, writer) => {
      const v = new Validator();
      const userId = v.id("user_id", request.userId, { required: true });
      const query = v.content("query", request.query, limits.searchQueryMaxBytes);
      if (query.trim() === "") v.fail("query", "is required: the text to search for");
      const mode = modeNames[request.mode as SearchMode] ?? null;
      if (mode === null) v.fail("mode", "is not a known SearchMode (SEARCH_MODE_SEMANTIC, SEARCH_MODE_LEXICAL or SEARCH_MODE_HYBRID)");
      if (request.topK < 0) v.fail("top_k", `must not be negative (0 means ${limits.searchDefaultTopK})`);
      const topK = request.topK === 0 ? limits.searchDefaultTopK : Math.min(Math.max(request.topK, 1), limits.searchMaxTopK);
      const minScore = v.unitInterval("min_score", request.minScore);
      if (request.sessionIds.length > limits.searchMaxSessionIds) {
        v.fail("session_ids", `must list at most ${limits.searchMaxSessionIds} sessions (got ${request.sessionIds.length})`);
      }
      const sessionIds = [
        ...new Set(request.sessionIds.slice(0, limits.searchMaxSessionIds).map((id, i) => v.id(`session_ids[${i}]`, id, { required: true }))),
      ];
      const roles: RoleName[] = [];
      request.roles.forEach((role, i) => {
        const name = roleFromProto(role);
        if (name === null) v.fail(`roles[${i}]`, "must be ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM or ROLE_TOOL");
        else if (!roles.includes(name)) roles.push(name);
      });
      // In range: the decoder refused Timestamps outside years 1 to 9999 (withStrictDecoding).
      const startTime = request.startTime ?? null;
      const endTime = request.endTime ?? null;
      if (startTime && endTime && !(startTime < endTime)) v.fail("end_time", "must be after start_time");
      const metadataFilter =
        request.metadataFilter === undefined
          ? null
          : v.metadata("metadata_filter", request.metadataFilter, limits.searchFilterMaxBytes);
      v.done();

      const outcome = await searchMessages(
        deps,
        {
          scope: {
            tenantId: writer.scope.tenantId,
            userId,
            sessionIds,
            roles,
            startTime,
            endTime,
            metadataFilter: metadataFilter && Object.keys(metadataFilter).length > 0 ? metadataFilter : null,
          },
          query,
          mode: mode ?? "hybrid",
          topK,
          minScore,
          waitForEmbeddings: request.waitForEmbeddings,
        },
        writer.signal,
      );
      const info: SearchResponse = {
        info: {
          effectiveMode: modeToProto[outcome.effectiveMode],
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
            semanticRank: hit.semantic_rank ?? 0,
            lexicalRank: hit.lexical_rank ?? 0,
          },
        });
      }
    }),
  };
}
