import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseDeletePreferenceRequest } from "./parseDeletePreferenceRequest.js";

// Every rule of these fields is tested on parseStoredPreferenceKeyRequest (its test beside it);
// here, that this RPC's parser applies them.
describe("parseDeletePreferenceRequest", () => {
  it("takes the request", () => {
    expect(parseDeletePreferenceRequest({ userId: "alice", key: "ke\ny" })).toEqual({ userId: "alice", key: "ke\ny" });
  });

  it("names every bad field", () => {
    expect(fieldsOf(() => parseDeletePreferenceRequest({ userId: "", key: "k\u007f" }))).toEqual(["user_id", "key"]);
  });
});
