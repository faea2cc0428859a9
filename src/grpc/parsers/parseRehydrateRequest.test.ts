import { describe, expect, it } from "vitest";
import { RehydrateRequest, TokenEncoding } from "../../../gen/ts/ltst/memory/v1/rehydrate.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseRehydrateRequest } from "./parseRehydrateRequest.js";

const parse = (fields: Partial<RehydrateRequest>) => () =>
  parseRehydrateRequest(RehydrateRequest.fromPartial({ userId: "alice", sessionId: "a1", tokenBudget: 1_000_000, ...fields }));

describe("parseRehydrateRequest", () => {
  it("defaults: cl100k_base, 5 recent, 5 relevant, the latest user message as the query", () => {
    expect(parse({})()).toEqual({
      userId: "alice", sessionId: "a1", query: "", tokenBudget: 1_000_000, encoding: "cl100k_base",
      maxRecent: 5, maxRelevant: 5, currentSessionOnly: false, minRelevance: 0, batchChunks: false,
    });
  });

  it("batch_chunks passes through: unset (old clients) is one chunk per response", () => {
    expect(parse({ batchChunks: true })().batchChunks).toBe(true);
    expect(parse({ batchChunks: false })().batchChunks).toBe(false);
    expect(parseRehydrateRequest(RehydrateRequest.decode(RehydrateRequest.encode(RehydrateRequest.fromPartial({ userId: "a", sessionId: "b", tokenBudget: 1 })).finish())).batchChunks).toBe(false);
  });

  it("0 means the default, -1 means none (relevant messages only)", () => {
    expect(parse({ maxRecentMessages: 0 })().maxRecent).toBe(5);
    expect(parse({ maxRelevantMessages: 0 })().maxRelevant).toBe(5);
    expect(parse({ maxRelevantMessages: -1 })().maxRelevant).toBe(0);
  });

  it("the limits themselves are accepted, and every field passes through", () => {
    expect(
      parse({
        tokenBudget: 1, encoding: TokenEncoding.TOKEN_ENCODING_O200K_BASE, maxRecentMessages: 200, maxRelevantMessages: 50,
        minRelevance: 1, currentSessionOnly: true, query: "x".repeat(4096),
      })(),
    ).toEqual({
      userId: "alice", sessionId: "a1", query: "x".repeat(4096), tokenBudget: 1, encoding: "o200k_base",
      maxRecent: 200, maxRelevant: 50, currentSessionOnly: true, minRelevance: 1, batchChunks: false,
    });
    expect(parse({ encoding: TokenEncoding.TOKEN_ENCODING_CL100K_BASE, maxRecentMessages: 1, maxRelevantMessages: 1 })()).toMatchObject({
      encoding: "cl100k_base", maxRecent: 1, maxRelevant: 1,
    });
  });

  it.each([
    [{ userId: "" }, "user_id", /is required/],
    [{ sessionId: "" }, "session_id", /is required/],
    [{ sessionId: "bad id!" }, "session_id", /letters, digits/],
    [{ tokenBudget: 0 }, "token_budget", /is required: 1 to 1000000/],
    [{ tokenBudget: -5 }, "token_budget", /between 1 and 1000000 .*got -5/],
    [{ tokenBudget: 1_000_001 }, "token_budget", /between 1 and 1000000/],
    [{ encoding: 99 as TokenEncoding }, "encoding", /not a known TokenEncoding/],
    [{ maxRecentMessages: -1 }, "max_recent_messages", /between 0 .* and 200/],
    [{ maxRecentMessages: 201 }, "max_recent_messages", /between 0 .* and 200 \(got 201\)/],
    [{ maxRelevantMessages: -2 }, "max_relevant_messages", /-1 \(none\).*up to 50/],
    [{ maxRelevantMessages: 51 }, "max_relevant_messages", /up to 50 \(got 51\)/],
    [{ minRelevance: 1.5 }, "min_relevance", /between 0 and 1/],
    [{ minRelevance: -0.5 }, "min_relevance", /between 0 and 1/],
    [{ minRelevance: Number.NaN }, "min_relevance", /between 0 and 1/],
    [{ query: "x".repeat(4097) }, "query", /at most 4096 bytes/],
    [{ query: "a\u0000b" }, "query", /NUL/],
  ] as [Partial<RehydrateRequest>, string, RegExp][])("%j: names %s and its limit", (fields, field, description) => {
    const violations = violationsOf(parse(fields));
    expect(violations.map((v) => v.field)).toEqual([field]);
    expect(violations[0]!.description).toMatch(description);
  });

  it("reports several problems together", () => {
    expect(fieldsOf(() => parseRehydrateRequest(RehydrateRequest.fromPartial({ userId: "", sessionId: "", tokenBudget: 0 })))).toEqual([
      "user_id", "session_id", "token_budget",
    ]);
  });
});
