import type { RoleName } from "../../domain/messages/Message.js";
import type { SearchInput } from "../../domain/search/searchMessages.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import { SearchMode, type SearchRequest } from "../../../gen/ts/ltst/memory/v1/search.js";
import { roles as roleNames } from "./roles.js";
import { searchModes } from "./searchModes.js";

/** Search's input, its scope without the tenant (the caller's, never the request's). */
export type SearchParsed = Omit<SearchInput, "scope"> & { scope: Omit<SearchInput["scope"], "tenantId"> };

/**
 * Search's input: mode UNSPECIFIED means hybrid; top_k 0 means 10, above
 * 100 is capped; repeated session ids and roles count once; an empty
 * metadata_filter filters nothing. Throws InvalidArgumentError naming every
 * bad field.
 */
export function parseSearchRequest(request: SearchRequest): SearchParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const query = v.content("query", request.query, limits.searchQueryMaxBytes);
  if (query.trim() === "") v.fail("query", "is required: the text to search for");
  const mode = request.mode === SearchMode.SEARCH_MODE_UNSPECIFIED ? "hybrid" : searchModes.fromProto(request.mode);
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
    const name = roleNames.fromProto(role);
    if (name === null) v.fail(`roles[${i}]`, "must be ROLE_USER, ROLE_ASSISTANT, ROLE_SYSTEM or ROLE_TOOL");
    else if (!roles.includes(name)) roles.push(name);
  });
  // In range: the decoder refused Timestamps outside years 1 to 9999 (withStrictDecoding).
  const startTime = request.startTime ?? null;
  const endTime = request.endTime ?? null;
  if (startTime && endTime && !(startTime < endTime)) v.fail("end_time", "must be after start_time");
  const metadataFilter =
    request.metadataFilter === undefined ? null : v.metadata("metadata_filter", request.metadataFilter, limits.searchFilterMaxBytes);
  v.done();
  return {
    scope: {
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
  };
}
