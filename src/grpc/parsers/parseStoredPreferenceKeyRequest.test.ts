import { describe, expect, it } from "vitest";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseStoredPreferenceKeyRequest } from "./parseStoredPreferenceKeyRequest.js";

describe.each([
  ["parseStoredPreferenceKeyRequest", parseStoredPreferenceKeyRequest],
] as const)("%s", (_name, parse) => {
  it("takes the user and key", () => {
    expect(parse({ userId: "bad", key: "kept" })).toEqual({ userId: "bad", key: "kept" });
    expect(parse({ userId: "bad", key: "k".repeat(256) }).key).toBe("k".repeat(256));
  });

  it("reaches keys stored before tab, CR and LF were refused", () => {
    for (const key of ["ke\ty", "ke\ny", "ke\ry"]) expect(parse({ userId: "bad", key }).key).toBe(key);
  });

  it.each([
    ["without user_id", { userId: "", key: "kept" }, ["user_id"]],
    ["a bad user_id", { userId: "bad/user", key: "kept" }, ["user_id"]],
    ["a user_id starting with a dot", { userId: ".bad", key: "kept" }, ["user_id"]],
    ["without key", { userId: "bad", key: "" }, ["key"]],
    ["a key too long", { userId: "bad", key: "k".repeat(257) }, ["key"]],
    ["a NUL in the key", { userId: "bad", key: "\u0000" }, ["key"]],
    ["DEL in the key", { userId: "bad", key: "k\u007f" }, ["key"]],
    ["both", { userId: "", key: "" }, ["user_id", "key"]],
  ])("%s: names %j", (_case, request, expected) => {
    expect(fieldsOf(() => parse(request))).toEqual(expected);
  });
});
