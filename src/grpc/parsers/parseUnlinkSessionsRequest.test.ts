import { describe, expect, it } from "vitest";
import { RelationType, UnlinkSessionsRequest } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseUnlinkSessionsRequest } from "./parseUnlinkSessionsRequest.js";

const good = { userId: "alice", sourceSessionId: "b-a", targetSessionId: "b-b", relation: RelationType.RELATION_TYPE_SIMILAR };
const parse = (fields: Partial<UnlinkSessionsRequest>) => () => parseUnlinkSessionsRequest(UnlinkSessionsRequest.fromPartial({ ...good, ...fields }));

describe("parseUnlinkSessionsRequest", () => {
  it("takes the link", () => {
    expect(parse({})()).toEqual({ userId: "alice", sourceSessionId: "b-a", targetSessionId: "b-b", relation: "similar" });
    expect(parse({ relation: RelationType.RELATION_TYPE_CONTINUATION })().relation).toBe("continuation");
  });

  it.each([
    ["no user", { userId: "" }, ["user_id"]],
    ["no source", { sourceSessionId: "" }, ["source_session_id"]],
    ["no target", { targetSessionId: "" }, ["target_session_id"]],
    ["bad target", { targetSessionId: "b/b" }, ["target_session_id"]],
    ["no relation", { relation: RelationType.RELATION_TYPE_UNSPECIFIED }, ["relation"]],
    ["unknown relation", { relation: 7 as RelationType }, ["relation"]],
  ] as [string, Partial<UnlinkSessionsRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });
});
