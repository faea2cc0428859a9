import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseDeleteContextEntryRequest } from "./parseDeleteContextEntryRequest.js";

// Every rule of these fields is tested on parseContextEntryKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseDeleteContextEntryRequest", () => {
  it("takes the request", () => {
    expect(parseDeleteContextEntryRequest({ userId: "alice", sessionId: "s-1", type: "project", key: "k" })).toEqual({ userId: "alice", sessionId: "s-1", type: "project", key: "k" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseDeleteContextEntryRequest({ userId: "", sessionId: "", type: "t".repeat(65), key: "k".repeat(257) }))).toEqual(["user_id", "session_id", "type", "key"]);
  });
});
