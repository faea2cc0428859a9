import { describe, expect, it } from "vitest";
import { ListSessionsRequest, SessionStatus } from "../../../gen/ts/ltst/memory/v1/session.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseListSessionsRequest } from "./parseListSessionsRequest.js";

const parse = (fields: Partial<ListSessionsRequest>) => parseListSessionsRequest(ListSessionsRequest.fromPartial({ userId: "alice", ...fields }));

describe("parseListSessionsRequest", () => {
  it("defaults: every status, page size 50, no token", () => {
    expect(parse({})).toEqual({ userId: "alice", status: null, pageSize: 50, pageToken: "" });
  });

  it("maps each status and passes the page token on for the domain to check", () => {
    expect(parse({ status: SessionStatus.SESSION_STATUS_ACTIVE }).status).toBe("active");
    expect(parse({ status: SessionStatus.SESSION_STATUS_PAUSED }).status).toBe("paused");
    expect(parse({ status: SessionStatus.SESSION_STATUS_CLOSED }).status).toBe("closed");
    expect(parse({ status: SessionStatus.SESSION_STATUS_ARCHIVED }).status).toBe("archived");
    expect(parse({ pageToken: "not-a-token" }).pageToken).toBe("not-a-token");
  });

  it("page_size: kept up to 1000, capped above", () => {
    expect(parse({ pageSize: 1 }).pageSize).toBe(1);
    expect(parse({ pageSize: 1000 }).pageSize).toBe(1000);
    expect(parse({ pageSize: 5000 }).pageSize).toBe(1000);
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["negative page_size", { pageSize: -1 }, ["page_size"]],
    ["unknown status", { status: 9 as SessionStatus }, ["status"]],
    ["all three", { userId: "", pageSize: -1, status: 9 as SessionStatus }, ["user_id", "page_size", "status"]],
  ] as [string, Partial<ListSessionsRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(() => parse(fields))).toEqual(expected);
  });
});
