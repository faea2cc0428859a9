import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseGetSummaryRequest } from "./parseGetSummaryRequest.js";

// Every rule of these fields is tested on parseSessionKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseGetSummaryRequest", () => {
  it("takes the request", () => {
    expect(parseGetSummaryRequest({ userId: "alice", sessionId: "s-1" })).toEqual({ userId: "alice", sessionId: "s-1" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseGetSummaryRequest({ userId: "", sessionId: "s".repeat(129) }))).toEqual(["user_id", "session_id"]);
  });
});
