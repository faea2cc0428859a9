import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseGetSessionStatisticsRequest } from "./parseGetSessionStatisticsRequest.js";

// Every rule of these fields is tested on parseSessionKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseGetSessionStatisticsRequest", () => {
  it("takes the request", () => {
    expect(parseGetSessionStatisticsRequest({ userId: "alice", sessionId: "s-1" })).toEqual({ userId: "alice", sessionId: "s-1" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseGetSessionStatisticsRequest({ userId: "u".repeat(129), sessionId: "" }))).toEqual(["user_id", "session_id"]);
  });
});
