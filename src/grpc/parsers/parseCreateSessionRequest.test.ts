import { describe, expect, it } from "vitest";
import { CreateSessionRequest, SessionStatus } from "../../../gen/ts/ltst/memory/v1/session.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseCreateSessionRequest } from "./parseCreateSessionRequest.js";

const request = (fields: Partial<CreateSessionRequest>) => CreateSessionRequest.fromPartial({ userId: "alice", ...fields });
const parse = (fields: Partial<CreateSessionRequest>) => () => parseCreateSessionRequest(request(fields));
const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });

describe("parseCreateSessionRequest", () => {
  it("takes a minimal request: the server picks the id, status active, empty metadata", () => {
    expect(parseCreateSessionRequest(request({}))).toEqual({
      userId: "alice", id: null, name: "", type: "", status: "active", metadata: {}, relevanceScore: 0,
    });
  });

  it("keeps every field of a full request", () => {
    expect(
      parseCreateSessionRequest(request({
        sessionId: "s-1", name: "n".repeat(200), type: "t".repeat(64), status: SessionStatus.SESSION_STATUS_PAUSED,
        metadata: { a: 1 }, relevanceScore: 1,
      })),
    ).toEqual({ userId: "alice", id: "s-1", name: "n".repeat(200), type: "t".repeat(64), status: "paused", metadata: { a: 1 }, relevanceScore: 1 });
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["user_id too long", { userId: "u".repeat(129) }, ["user_id"]],
    ["user_id with bad characters", { userId: "al ice" }, ["user_id"]],
    ["session_id with a slash", { sessionId: "a/b" }, ["session_id"]],
    ["session_id too long", { sessionId: "s".repeat(129) }, ["session_id"]],
    ["name too long", { name: "n".repeat(201) }, ["name"]],
    ["type too long", { type: "t".repeat(65) }, ["type"]],
    ["type with control characters", { type: "a\u0001b" }, ["type"]],
    ["metadata too large", { metadata: { blob: "x".repeat(17 * 1024) } }, ["metadata"]],
    ["metadata too deep", { metadata: deep(20) }, ["metadata"]],
    ["NUL in a metadata string", { metadata: { note: "a\u0000b" } }, ["metadata"]],
    ["NUL in a metadata key", { metadata: { "a\u0000b": 1 } }, ["metadata"]],
    ["NaN in metadata", { metadata: { score: Number.NaN } }, ["metadata"]],
    ["Infinity in nested metadata", { metadata: { a: { b: [1, Number.POSITIVE_INFINITY] } } }, ["metadata"]],
    ["relevance_score above 1", { relevanceScore: 1.5 }, ["relevance_score"]],
    ["relevance_score negative", { relevanceScore: -0.1 }, ["relevance_score"]],
    ["relevance_score NaN", { relevanceScore: Number.NaN }, ["relevance_score"]],
    ["unknown status", { status: 99 as SessionStatus }, ["status"]],
    ["several at once", { userId: "", name: "n".repeat(201), status: 99 as SessionStatus }, ["user_id", "name", "status"]],
  ] as [string, Partial<CreateSessionRequest>, string[]][])("%s: names %j", (_name, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("states the limit", () => {
    expect(violationsOf(parse({ name: "n".repeat(201) }))[0]?.description).toBe("must be at most 200 characters (got 201)");
    expect(violationsOf(parse({ status: 99 as SessionStatus }))[0]?.description).toBe("is not a known SessionStatus");
  });
});
