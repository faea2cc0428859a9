import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseSessionKeyRequest } from "./parseSessionKeyRequest.js";

// GetSession, DeleteSession, GetSummary and GetSessionStatistics take the
// same two ids with the same rules: their parsers delegate here.
describe.each([
  ["parseSessionKeyRequest", parseSessionKeyRequest],
] as const)("%s", (_name, parse) => {
  it("takes both ids", () => {
    expect(parse({ userId: "alice", sessionId: "s.1:x@y+z-w_v" })).toEqual({ userId: "alice", sessionId: "s.1:x@y+z-w_v" });
    expect(parse({ userId: "u".repeat(128), sessionId: "s".repeat(128) })).toEqual({ userId: "u".repeat(128), sessionId: "s".repeat(128) });
  });

  it.each([
    ["missing user_id", { userId: "", sessionId: "s" }, ["user_id"]],
    ["user_id too long", { userId: "u".repeat(129), sessionId: "s" }, ["user_id"]],
    ["user_id with bad characters", { userId: "al ice", sessionId: "s" }, ["user_id"]],
    ["user_id starting with a dot", { userId: ".alice", sessionId: "s" }, ["user_id"]],
    ["missing session_id", { userId: "alice", sessionId: "" }, ["session_id"]],
    ["session_id too long", { userId: "alice", sessionId: "s".repeat(129) }, ["session_id"]],
    ["session_id with a slash", { userId: "alice", sessionId: "a/b" }, ["session_id"]],
    ["both missing", { userId: "", sessionId: "" }, ["user_id", "session_id"]],
  ])("%s: names %j", (_case, request, expected) => {
    expect(fieldsOf(() => parse(request))).toEqual(expected);
  });
});
