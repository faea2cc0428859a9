import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseGetSessionRequest } from "./parseGetSessionRequest.js";

// Every rule of these fields is tested on parseSessionKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseGetSessionRequest", () => {
  it("takes the request", () => {
    expect(parseGetSessionRequest({ userId: "alice", sessionId: "s-1" })).toEqual({ userId: "alice", sessionId: "s-1" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseGetSessionRequest({ userId: "", sessionId: "a/b" }))).toEqual(["user_id", "session_id"]);
  });
});
