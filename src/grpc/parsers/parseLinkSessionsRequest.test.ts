import { describe, expect, it } from "vitest";
import { LinkSessionsRequest, RelationType } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseLinkSessionsRequest } from "./parseLinkSessionsRequest.js";

const good = { userId: "alice", sourceSessionId: "b-a", targetSessionId: "b-b", relation: RelationType.RELATION_TYPE_SIMILAR, score: 0.9 };
const parse = (fields: Partial<LinkSessionsRequest>) => () => parseLinkSessionsRequest(LinkSessionsRequest.fromPartial({ ...good, ...fields }));
const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });

describe("parseLinkSessionsRequest", () => {
  it("maps each relation; no metadata is empty metadata", () => {
    expect(parse({})()).toEqual({ userId: "alice", sourceSessionId: "b-a", targetSessionId: "b-b", relation: "similar", score: 0.9, metadata: {} });
    expect(parse({ relation: RelationType.RELATION_TYPE_CONTINUATION })().relation).toBe("continuation");
    expect(parse({ relation: RelationType.RELATION_TYPE_REFERENCE })().relation).toBe("reference");
  });

  it("the limits themselves are accepted", () => {
    expect(parse({ score: 1, metadata: deep(15) })().score).toBe(1);
    expect(parse({ score: 0, metadata: { big: "x".repeat(16 * 1024 - 12) } })().score).toBe(0);
  });

  it.each([
    ["no user", { userId: "" }, ["user_id"]],
    ["bad user id", { userId: "-alice" }, ["user_id"]],
    ["user id too long", { userId: "u".repeat(129) }, ["user_id"]],
    ["no source", { sourceSessionId: "" }, ["source_session_id"]],
    ["bad source", { sourceSessionId: "b a" }, ["source_session_id"]],
    ["no target", { targetSessionId: "" }, ["target_session_id"]],
    ["target too long", { targetSessionId: "t".repeat(129) }, ["target_session_id"]],
    ["no relation", { relation: RelationType.RELATION_TYPE_UNSPECIFIED }, ["relation"]],
    ["unknown relation", { relation: 99 as RelationType }, ["relation"]],
    ["negative score", { score: -0.01 }, ["score"]],
    ["score above 1", { score: 1.0001 }, ["score"]],
    ["NaN score", { score: Number.NaN }, ["score"]],
    ["infinite score", { score: Number.POSITIVE_INFINITY }, ["score"]],
    ["metadata too large", { metadata: { big: "x".repeat(16 * 1024) } }, ["metadata"]],
    ["metadata too deep", { metadata: deep(16) }, ["metadata"]],
    ["metadata with NUL", { metadata: { a: "x\u0000" } }, ["metadata"]],
    ["self-link", { targetSessionId: "b-a" }, ["target_session_id"]],
    ["everything at once", { userId: "", sourceSessionId: "", targetSessionId: "", relation: 0, score: 2 }, ["user_id", "source_session_id", "target_session_id", "relation", "score"]],
  ] as [string, Partial<LinkSessionsRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("says which relations there are, and why a self-link is refused", () => {
    expect(violationsOf(parse({ relation: 0 }))[0]?.description).toBe(
      "is required: RELATION_TYPE_CONTINUATION, RELATION_TYPE_REFERENCE or RELATION_TYPE_SIMILAR",
    );
    expect(violationsOf(parse({ targetSessionId: "b-a" }))[0]?.description).toBe(
      "must differ from source_session_id: a session cannot be linked to itself",
    );
  });
});
