import { describe, expect, it } from "vitest";
import { ListDirection, ListMessagesRequest } from "../../../gen/ts/ltst/memory/v1/message.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseListMessagesRequest } from "./parseListMessagesRequest.js";

const parse = (fields: Partial<ListMessagesRequest>) => parseListMessagesRequest(ListMessagesRequest.fromPartial({ userId: "alice", sessionId: "stable", ...fields }));

describe("parseListMessagesRequest", () => {
  it("defaults: forward, page size 50, no last_n, no token", () => {
    expect(parse({})).toEqual({ userId: "alice", sessionId: "stable", backward: false, pageSize: 50, pageToken: "", lastN: 0 });
  });

  it("direction: UNSPECIFIED and FORWARD go forward, BACKWARD backward", () => {
    expect(parse({ direction: ListDirection.LIST_DIRECTION_FORWARD }).backward).toBe(false);
    expect(parse({ direction: ListDirection.LIST_DIRECTION_BACKWARD }).backward).toBe(true);
  });

  it("page_size and last_n are capped at 1000; the page token is passed on for the domain to check", () => {
    expect(parse({ pageSize: 1001 }).pageSize).toBe(1000);
    expect(parse({ lastN: 1000 }).lastN).toBe(1000);
    expect(parse({ lastN: 5000 }).lastN).toBe(1000);
    expect(parse({ lastN: 2, pageToken: "x" })).toMatchObject({ lastN: 2, pageToken: "x" });
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["missing session_id", { sessionId: "" }, ["session_id"]],
    ["negative page_size", { pageSize: -1 }, ["page_size"]],
    ["negative last_n", { lastN: -1 }, ["last_n"]],
    ["unknown direction", { direction: 7 as ListDirection }, ["direction"]],
    ["all at once", { userId: "", sessionId: "", pageSize: -1, lastN: -1, direction: 7 as ListDirection }, ["user_id", "session_id", "page_size", "last_n", "direction"]],
  ] as [string, Partial<ListMessagesRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(() => parse(fields))).toEqual(expected);
  });
});
