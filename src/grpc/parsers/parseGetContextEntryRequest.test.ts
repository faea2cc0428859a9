import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseGetContextEntryRequest } from "./parseGetContextEntryRequest.js";

// Every rule of these fields is tested on parseContextEntryKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseGetContextEntryRequest", () => {
  it("takes the request", () => {
    expect(parseGetContextEntryRequest({ userId: "alice", sessionId: "s-1", type: "project", key: "k" })).toEqual({ userId: "alice", sessionId: "s-1", type: "project", key: "k" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseGetContextEntryRequest({ userId: "", sessionId: "", type: "NO", key: "" }))).toEqual(["user_id", "session_id", "type", "key"]);
  });
});
