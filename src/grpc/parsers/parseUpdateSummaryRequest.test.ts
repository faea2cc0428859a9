import { describe, expect, it } from "vitest";
import { UpdateSummaryRequest } from "../../../gen/ts/ltst/memory/v1/summary.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseUpdateSummaryRequest } from "./parseUpdateSummaryRequest.js";

const parse = (fields: Partial<UpdateSummaryRequest>) => () =>
  parseUpdateSummaryRequest(UpdateSummaryRequest.fromPartial({ userId: "alice", sessionId: "s-bad", content: "new", coversThroughIndex: 0, ...fields }));
const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });

describe("parseUpdateSummaryRequest", () => {
  it("takes the request; covers_through_index is passed on for the domain to check (-1 included)", () => {
    expect(parse({})()).toEqual({ userId: "alice", sessionId: "s-bad", content: "new", coversThroughIndex: 0, metadata: {} });
    expect(parse({ coversThroughIndex: -1 })().coversThroughIndex).toBe(-1);
    expect(parse({ coversThroughIndex: 1e6 })().coversThroughIndex).toBe(1e6);
  });

  it("the limits themselves are accepted: 64 KiB of UTF-8 exactly, metadata 15 levels deep", () => {
    expect(parse({ content: "é".repeat(32 * 1024), metadata: deep(15) })().content).toBe("é".repeat(32 * 1024));
  });

  it.each([
    ["no user", { userId: "" }, ["user_id"]],
    ["bad user", { userId: "al ice" }, ["user_id"]],
    ["no session", { sessionId: "" }, ["session_id"]],
    ["session id too long", { sessionId: "s".repeat(129) }, ["session_id"]],
    ["no content", { content: "" }, ["content"]],
    ["content over 64 KiB", { content: "é".repeat(32 * 1024) + "x" }, ["content"]],
    ["content with NUL", { content: "a\u0000b" }, ["content"]],
    ["metadata too large", { metadata: { big: "x".repeat(16 * 1024) } }, ["metadata"]],
    ["metadata too deep", { metadata: deep(16) }, ["metadata"]],
    ["metadata with NaN", { metadata: { n: Number.NaN } }, ["metadata"]],
    ["everything at once", { userId: "", sessionId: "", content: "" }, ["user_id", "session_id", "content"]],
  ] as [string, Partial<UpdateSummaryRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("states the limit", () => {
    expect(violationsOf(parse({ content: "é".repeat(32 * 1024) + "x" }))[0]?.description).toBe("must be at most 65536 bytes of UTF-8 (got 65537)");
  });
});
