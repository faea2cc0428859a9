import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../domain/errors.js";
import { parseEraseUserDataRequest } from "./parseEraseUserDataRequest.js";

/** The fields an InvalidArgumentError names. */
function fieldsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations.map((v) => `${v.field}: ${v.description}`);
    throw error;
  }
  throw new Error("expected InvalidArgumentError");
}

describe("parseEraseUserDataRequest", () => {
  it("needs confirm_user_id equal to user_id", () => {
    expect(parseEraseUserDataRequest({ userId: "alice", confirmUserId: "alice" })).toEqual({ userId: "alice" });
    expect(fieldsOf(() => parseEraseUserDataRequest({ userId: "alice", confirmUserId: "" }))[0]).toMatch(/^confirm_user_id: is required/);
    expect(fieldsOf(() => parseEraseUserDataRequest({ userId: "alice", confirmUserId: "Alice" }))[0]).toMatch(/^confirm_user_id: must equal user_id/);
    expect(fieldsOf(() => parseEraseUserDataRequest({ userId: "", confirmUserId: "" }))).toEqual([
      "user_id: is required",
      "confirm_user_id: is required: repeat user_id to confirm the erasure",
    ]);
  });
});
