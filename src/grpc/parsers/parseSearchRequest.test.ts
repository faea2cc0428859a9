import { describe, expect, it } from "vitest";
import { Role } from "../../../gen/ts/ltst/memory/v1/message.js";
import { SearchMode, SearchRequest } from "../../../gen/ts/ltst/memory/v1/search.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseSearchRequest } from "./parseSearchRequest.js";

const parse = (fields: Partial<SearchRequest>) => () => parseSearchRequest(SearchRequest.fromPartial({ userId: "alice", query: "walk", ...fields }));
const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });
const t0 = new Date("2026-01-01T00:00:00Z");

describe("parseSearchRequest", () => {
  it("defaults: hybrid, top 10, every session, role and time, no filter", () => {
    expect(parse({})()).toEqual({
      scope: { userId: "alice", sessionIds: [], roles: [], startTime: null, endTime: null, metadataFilter: null },
      query: "walk", mode: "hybrid", topK: 10, minScore: 0, waitForEmbeddings: false,
    });
  });

  it("maps each mode", () => {
    expect(parse({ mode: SearchMode.SEARCH_MODE_SEMANTIC })().mode).toBe("semantic");
    expect(parse({ mode: SearchMode.SEARCH_MODE_LEXICAL })().mode).toBe("lexical");
    expect(parse({ mode: SearchMode.SEARCH_MODE_HYBRID })().mode).toBe("hybrid");
  });

  it("top_k: kept from 1 to 100, capped above", () => {
    expect(parse({ topK: 1 })().topK).toBe(1);
    expect(parse({ topK: 100 })().topK).toBe(100);
    expect(parse({ topK: 2147483647 })().topK).toBe(100);
  });

  it("repeated session ids and roles count once; an empty filter filters nothing; wait_for_embeddings passes through", () => {
    const parsed = parse({
      sessionIds: ["a", "b", "a"], roles: [Role.ROLE_USER, Role.ROLE_ASSISTANT, Role.ROLE_SYSTEM, Role.ROLE_TOOL, Role.ROLE_USER],
      metadataFilter: {}, waitForEmbeddings: true,
    })();
    expect(parsed.scope).toMatchObject({ sessionIds: ["a", "b"], roles: ["user", "assistant", "system", "tool"], metadataFilter: null });
    expect(parsed.waitForEmbeddings).toBe(true);
    expect(parse({ metadataFilter: { topic: "x" } })().scope.metadataFilter).toEqual({ topic: "x" });
  });

  it("the limits themselves are accepted", () => {
    expect(parse({ query: "walk ".repeat(819) + "a" })().query).toHaveLength(4096);
    expect(parse({ query: "é".repeat(2048) })().query).toHaveLength(2048);
    expect(parse({ minScore: 0 })().minScore).toBe(0);
    expect(parse({ minScore: 1 })().minScore).toBe(1);
    expect(parse({ sessionIds: Array.from({ length: 100 }, (_, i) => `s${i}`) })().scope.sessionIds).toHaveLength(100);
    const end = new Date(t0.getTime() + 1);
    expect(parse({ startTime: t0, endTime: end })().scope).toMatchObject({ startTime: t0, endTime: end });
    expect(parse({ startTime: t0 })().scope).toMatchObject({ startTime: t0, endTime: null });
    expect(parse({ metadataFilter: { blob: "x".repeat(4000) } })().scope.metadataFilter).toEqual({ blob: "x".repeat(4000) });
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["user_id with bad characters", { userId: "al ice" }, ["user_id"]],
    ["user_id too long", { userId: "u".repeat(129) }, ["user_id"]],
    ["empty query", { query: "" }, ["query"]],
    ["whitespace query", { query: " \t\n  \r" }, ["query"]],
    ["query over 4096 bytes", { query: "a".repeat(4097) }, ["query"]],
    ["query over 4096 bytes of UTF-8 in fewer characters", { query: "é".repeat(2049) }, ["query"]],
    ["query with NUL", { query: "walk\u0000park" }, ["query"]],
    ["unknown mode", { mode: 99 as SearchMode }, ["mode"]],
    ["negative top_k", { topK: -1 }, ["top_k"]],
    ["very negative top_k", { topK: -2147483648 }, ["top_k"]],
    ["min_score below 0", { minScore: -0.01 }, ["min_score"]],
    ["min_score above 1", { minScore: 1.01 }, ["min_score"]],
    ["min_score NaN", { minScore: Number.NaN }, ["min_score"]],
    ["min_score Infinity", { minScore: Number.POSITIVE_INFINITY }, ["min_score"]],
    ["more than 100 session_ids", { sessionIds: Array.from({ length: 101 }, (_, i) => `s${i}`) }, ["session_ids"]],
    ["malformed session id", { sessionIds: ["stable", "a/b"] }, ["session_ids[1]"]],
    ["empty session id", { sessionIds: [""] }, ["session_ids[0]"]],
    ["session id too long", { sessionIds: ["s".repeat(129)] }, ["session_ids[0]"]],
    ["ROLE_UNSPECIFIED in roles", { roles: [Role.ROLE_UNSPECIFIED] }, ["roles[0]"]],
    ["unknown role", { roles: [Role.ROLE_USER, 42 as Role] }, ["roles[1]"]],
    ["end_time equal to start_time", { startTime: t0, endTime: t0 }, ["end_time"]],
    ["end_time before start_time", { startTime: t0, endTime: new Date(t0.getTime() - 1) }, ["end_time"]],
    ["metadata_filter over 4 KiB", { metadataFilter: { blob: "x".repeat(4100) } }, ["metadata_filter"]],
    ["metadata_filter too deep", { metadataFilter: deep(20) }, ["metadata_filter"]],
    ["metadata_filter with NUL", { metadataFilter: { note: "a\u0000b" } }, ["metadata_filter"]],
    ["metadata_filter with NaN", { metadataFilter: { score: Number.NaN } }, ["metadata_filter"]],
    [
      "several problems at once",
      { userId: "", query: "", mode: 7 as SearchMode, topK: -5, minScore: 2, roles: [Role.ROLE_UNSPECIFIED], startTime: t0, endTime: t0 },
      ["user_id", "query", "mode", "top_k", "min_score", "roles[0]", "end_time"],
    ],
  ] as [string, Partial<SearchRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("states the limits and the defaults", () => {
    expect(violationsOf(parse({ topK: -1 }))[0]?.description).toBe("must not be negative (0 means 10)");
    expect(violationsOf(parse({ sessionIds: Array.from({ length: 101 }, (_, i) => `s${i}`) }))[0]?.description).toBe(
      "must list at most 100 sessions (got 101)",
    );
    expect(violationsOf(parse({ query: "a".repeat(4097) }))[0]?.description).toBe("must be at most 4096 bytes of UTF-8 (got 4097)");
  });
});
