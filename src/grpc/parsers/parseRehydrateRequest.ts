import type { RehydrateInput } from "../../domain/rehydrate/rehydrateSession.js";
import { limits } from "../../validation/limits.js";
import { Validator } from "../../validation/Validator.js";
import { TokenEncoding, type RehydrateRequest } from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { tokenEncodings } from "./tokenEncodings.js";

export type RehydrateParsed = Omit<RehydrateInput, "tenantId"> & {
  /** Several chunks per response (batch_chunks); a matter of the transport, not of the domain. */
  batchChunks: boolean;
};

/**
 * Rehydrate's input: token_budget required (1 to 1,000,000); encoding
 * UNSPECIFIED means cl100k_base; max_recent_messages 0 means 5;
 * max_relevant_messages 0 means 5 and -1 means none; an empty query means
 * the latest user message (decided by the domain); batch_chunks passes
 * through (any value is valid). Throws
 * InvalidArgumentError naming every bad field.
 */
export function parseRehydrateRequest(request: RehydrateRequest): RehydrateParsed {
  const v = new Validator();
  const userId = v.id("user_id", request.userId, { required: true });
  const sessionId = v.id("session_id", request.sessionId, { required: true });
  const query = v.content("query", request.query, limits.searchQueryMaxBytes);
  if (request.tokenBudget === 0) v.fail("token_budget", `is required: 1 to ${limits.rehydrateMaxTokenBudget} tokens`);
  else if (request.tokenBudget < 1 || request.tokenBudget > limits.rehydrateMaxTokenBudget) {
    v.fail("token_budget", `must be between 1 and ${limits.rehydrateMaxTokenBudget} tokens (got ${request.tokenBudget})`);
  }
  const encoding =
    request.encoding === TokenEncoding.TOKEN_ENCODING_UNSPECIFIED ? "cl100k_base" : tokenEncodings.fromProto(request.encoding);
  if (encoding === null) {
    v.fail("encoding", "is not a known TokenEncoding (TOKEN_ENCODING_CL100K_BASE or TOKEN_ENCODING_O200K_BASE)");
  }
  const recent = request.maxRecentMessages;
  if (recent < 0 || recent > limits.rehydrateMaxRecent) {
    v.fail("max_recent_messages", `must be between 0 (meaning ${limits.rehydrateDefaultRecent}) and ${limits.rehydrateMaxRecent} (got ${recent})`);
  }
  const relevant = request.maxRelevantMessages;
  if (relevant < -1 || relevant > limits.rehydrateMaxRelevant) {
    v.fail(
      "max_relevant_messages",
      `must be -1 (none), 0 (meaning ${limits.rehydrateDefaultRelevant}) or up to ${limits.rehydrateMaxRelevant} (got ${relevant})`,
    );
  }
  const minRelevance = v.unitInterval("min_relevance", request.minRelevance);
  v.done();
  return {
    userId,
    sessionId,
    query,
    tokenBudget: request.tokenBudget,
    encoding: encoding ?? "cl100k_base",
    maxRecent: recent === 0 ? limits.rehydrateDefaultRecent : recent,
    maxRelevant: relevant === -1 ? 0 : relevant === 0 ? limits.rehydrateDefaultRelevant : relevant,
    currentSessionOnly: request.currentSessionOnly,
    minRelevance,
    batchChunks: request.batchChunks,
  };
}
