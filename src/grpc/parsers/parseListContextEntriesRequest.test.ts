import { describe, expect, it } from "vitest";
import { ListContextEntriesRequest } from "../../../gen/ts/ltst/memory/v1/context.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseListContextEntriesRequest } from "./parseListContextEntriesRequest.js";

const parse = (fields: Partial<ListContextEntriesRequest>) =>
  parseListContextEntriesRequest(ListContextEntriesRequest.fromPartial({ userId: "alice", sessionId: "stable", ...fields }));

describe("parseListContextEntriesRequest", () => {
  it("defaults: every type, page size 50, no token", () => {
    expect(parse({})).toEqual({ userId: "alice", sessionId: "stable", type: null, pageSize: 50, pageToken: "" });
  });

  it("keeps a type filter, caps page_size, passes the token on for the domain to check", () => {
    expect(parse({ type: "project", pageSize: 2000, pageToken: "t" })).toMatchObject({ type: "project", pageSize: 1000, pageToken: "t" });
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["missing session_id", { sessionId: "" }, ["session_id"]],
    ["a bad type filter", { type: "Bad Type" }, ["type"]],
    ["a type filter too long", { type: "t".repeat(65) }, ["type"]],
    ["negative page_size", { pageSize: -1 }, ["page_size"]],
  ] as [string, Partial<ListContextEntriesRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(() => parse(fields))).toEqual(expected);
  });
});
