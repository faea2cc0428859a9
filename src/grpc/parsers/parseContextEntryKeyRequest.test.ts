import { describe, expect, it } from "vitest";
import type { GetContextEntryRequest } from "../../../gen/ts/ltst/memory/v1/context.js";
import { fieldsOf } from "../../../test/support/violationsOf.js";
import { parseContextEntryKeyRequest } from "./parseContextEntryKeyRequest.js";

const key: GetContextEntryRequest = { userId: "alice", sessionId: "stable", type: "project", key: "k" };

describe.each([
  ["parseContextEntryKeyRequest", parseContextEntryKeyRequest],
] as const)("%s", (_name, parse) => {
  it("takes the four parts of the key", () => {
    expect(parse(key)).toEqual(key);
    // A stored key's limits: 64-character type, 256-character key.
    expect(parse({ ...key, type: "t".repeat(64), key: "é".repeat(256) }).key).toBe("é".repeat(256));
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["missing session_id", { sessionId: "" }, ["session_id"]],
    ["missing type", { type: "" }, ["type"]],
    ["a bad type", { type: "NO" }, ["type"]],
    ["a type too long", { type: "t".repeat(65) }, ["type"]],
    ["missing key", { key: "" }, ["key"]],
    ["a key too long", { key: "k".repeat(257) }, ["key"]],
    ["a key with a control character", { key: "a\tb" }, ["key"]],
    ["all four", { userId: "", sessionId: "", type: "", key: "" }, ["user_id", "session_id", "type", "key"]],
  ] as [string, Partial<GetContextEntryRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(() => parse({ ...key, ...fields }))).toEqual(expected);
  });
});
