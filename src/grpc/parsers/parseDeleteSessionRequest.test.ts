import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseDeleteSessionRequest } from "./parseDeleteSessionRequest.js";

// Every rule of these fields is tested on parseSessionKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseDeleteSessionRequest", () => {
  it("takes the request", () => {
    expect(parseDeleteSessionRequest({ userId: "alice", sessionId: "s-1" })).toEqual({ userId: "alice", sessionId: "s-1" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseDeleteSessionRequest({ userId: "al ice", sessionId: "" }))).toEqual(["user_id", "session_id"]);
  });
});
