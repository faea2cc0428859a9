import { describe, expect, it } from "vitest";
import { ListRelatedSessionsRequest, RelationDirection, RelationType } from "../../../gen/ts/ltst/memory/v1/relationship.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseListRelatedSessionsRequest } from "./parseListRelatedSessionsRequest.js";

const parse = (fields: Partial<ListRelatedSessionsRequest>) =>
  parseListRelatedSessionsRequest(ListRelatedSessionsRequest.fromPartial({ userId: "alice", sessionId: "b-a", ...fields }));

describe("parseListRelatedSessionsRequest", () => {
  it("defaults: both directions, every relation, page size 50", () => {
    expect(parse({})).toEqual({ userId: "alice", sessionId: "b-a", direction: "both", relation: null, pageSize: 50, pageToken: "" });
  });

  it("maps each direction and relation; caps page_size; passes the token on", () => {
    expect(parse({ direction: RelationDirection.RELATION_DIRECTION_BOTH }).direction).toBe("both");
    expect(parse({ direction: RelationDirection.RELATION_DIRECTION_OUTGOING }).direction).toBe("outgoing");
    expect(parse({ direction: RelationDirection.RELATION_DIRECTION_INCOMING }).direction).toBe("incoming");
    expect(parse({ relation: RelationType.RELATION_TYPE_REFERENCE }).relation).toBe("reference");
    expect(parse({ pageSize: 1_000_000, pageToken: "t" })).toMatchObject({ pageSize: 1000, pageToken: "t" });
  });

  it.each([
    ["no user", { userId: "" }, ["user_id"]],
    ["no session", { sessionId: "" }, ["session_id"]],
    ["bad session", { sessionId: "é" }, ["session_id"]],
    ["unknown direction", { direction: 9 as RelationDirection }, ["direction"]],
    ["unknown relation", { relation: 9 as RelationType }, ["relation"]],
    ["negative page size", { pageSize: -1 }, ["page_size"]],
  ] as [string, Partial<ListRelatedSessionsRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(() => parse(fields))).toEqual(expected);
  });
});
