import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseGetPreferenceRequest } from "./parseGetPreferenceRequest.js";

// Every rule of these fields is tested on parseStoredPreferenceKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseGetPreferenceRequest", () => {
  it("takes the request", () => {
    expect(parseGetPreferenceRequest({ userId: "alice", key: "ke\ty" })).toEqual({ userId: "alice", key: "ke\ty" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseGetPreferenceRequest({ userId: "bad/user", key: "" }))).toEqual(["user_id", "key"]);
  });
});
