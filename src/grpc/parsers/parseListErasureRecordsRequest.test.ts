import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../domain/errors.js";
import { parseListErasureRecordsRequest } from "./parseListErasureRecordsRequest.js";

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

describe("parseListErasureRecordsRequest", () => {
  it("takes an optional user and page settings", () => {
    expect(parseListErasureRecordsRequest({ userId: "", pageSize: 0, pageToken: "" })).toEqual({ userId: null, pageSize: 50, pageToken: "" });
    expect(parseListErasureRecordsRequest({ userId: "bob", pageSize: 5000, pageToken: "x" })).toEqual({ userId: "bob", pageSize: 1000, pageToken: "x" });
    expect(fieldsOf(() => parseListErasureRecordsRequest({ userId: "bad user", pageSize: -1, pageToken: "" })).map((f) => f.split(":")[0])).toEqual([
      "user_id",
      "page_size",
    ]);
  });
});
