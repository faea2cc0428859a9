import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseListPreferencesRequest } from "./parseListPreferencesRequest.js";

describe("parseListPreferencesRequest", () => {
  it("page_size: 0 means 50, above 1000 is capped; the page token is passed on for the domain to check", () => {
    expect(parseListPreferencesRequest({ userId: "bad", pageSize: 0, pageToken: "" })).toEqual({ userId: "bad", pageSize: 50, pageToken: "" });
    expect(parseListPreferencesRequest({ userId: "bad", pageSize: 5000, pageToken: "t" })).toEqual({ userId: "bad", pageSize: 1000, pageToken: "t" });
  });

  it.each([
    ["without user_id", { userId: "", pageSize: 0, pageToken: "" }, ["user_id"]],
    ["a bad user_id", { userId: "bad user", pageSize: 0, pageToken: "" }, ["user_id"]],
    ["a negative page_size", { userId: "bad", pageSize: -1, pageToken: "" }, ["page_size"]],
    ["several problems", { userId: "", pageSize: -5, pageToken: "" }, ["user_id", "page_size"]],
  ])("%s: names %j", (_case, request, expected) => {
    expect(fieldsOf(() => parseListPreferencesRequest(request))).toEqual(expected);
  });
});
