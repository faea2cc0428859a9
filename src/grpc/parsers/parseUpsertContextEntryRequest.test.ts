import { describe, expect, it } from "vitest";
import { UpsertContextEntryRequest } from "../../../gen/ts/ltst/memory/v1/context.js";
import { fieldsOf, violationsOf } from "../../../test/support/violationsOf.js";
import { parseUpsertContextEntryRequest } from "./parseUpsertContextEntryRequest.js";

const request = (fields: Partial<UpsertContextEntryRequest>) =>
  UpsertContextEntryRequest.fromPartial({ userId: "alice", sessionId: "stable", type: "project", key: "k", value: "v", ...fields });
const parse = (fields: Partial<UpsertContextEntryRequest>) => () => parseUpsertContextEntryRequest(request(fields));
const deep = (levels: number): Record<string, unknown> => (levels === 0 ? { leaf: true } : { nested: deep(levels - 1) });
const tenYearsSeconds = 10 * 36525 * 864;

describe("parseUpsertContextEntryRequest", () => {
  it("defaults: never expires, score 0, empty metadata", () => {
    expect(parse({})()).toEqual({
      userId: "alice", sessionId: "stable", type: "project", key: "k", value: "v", relevanceScore: 0, metadata: {}, expiry: { kind: "never" },
    });
  });

  it("the limits themselves are accepted", () => {
    expect(parse({ type: "a".repeat(64) })().type).toBe("a".repeat(64));
    expect(parse({ type: "a-z.0_9", key: "é".repeat(256) })().key).toBe("é".repeat(256));
    expect(parse({ value: "é".repeat(8192), relevanceScore: 1 })().value).toBe("é".repeat(8192));
    expect(parse({ value: "" })().value).toBe("");
    expect(parse({ metadata: { b: "x".repeat(16 * 1024 - 8) } })().metadata).toEqual({ b: "x".repeat(16 * 1024 - 8) });
  });

  it("expire_time: passed on as a time (the domain checks it is in the future)", () => {
    const time = new Date(Date.UTC(2001, 0, 1));
    expect(parse({ expireTime: time })().expiry).toEqual({ kind: "at", time });
  });

  it("ttl: whole milliseconds, a fraction rounded up; up to ten years exactly", () => {
    expect(parse({ ttl: { seconds: 60, nanos: 0 } })().expiry).toEqual({ kind: "ttl", milliseconds: 60_000 });
    expect(parse({ ttl: { seconds: 0, nanos: 1 } })().expiry).toEqual({ kind: "ttl", milliseconds: 1 });
    expect(parse({ ttl: { seconds: 1, nanos: 1_500_000 } })().expiry).toEqual({ kind: "ttl", milliseconds: 1002 });
    expect(parse({ ttl: { seconds: tenYearsSeconds, nanos: 0 } })().expiry).toEqual({ kind: "ttl", milliseconds: tenYearsSeconds * 1000 });
  });

  it.each([
    ["missing user_id", { userId: "" }, ["user_id"]],
    ["user_id with bad characters", { userId: "al ice" }, ["user_id"]],
    ["user_id too long", { userId: "u".repeat(129) }, ["user_id"]],
    ["missing session_id", { sessionId: "" }, ["session_id"]],
    ["session_id too long", { sessionId: "s".repeat(129) }, ["session_id"]],
    ["missing type", { type: "" }, ["type"]],
    ["type too long (65)", { type: "t".repeat(65) }, ["type"]],
    ["type with uppercase", { type: "Project" }, ["type"]],
    ["type with a space", { type: "user info" }, ["type"]],
    ["type with a slash", { type: "a/b" }, ["type"]],
    ["type with a non-ASCII letter", { type: "projét" }, ["type"]],
    ["missing key", { key: "" }, ["key"]],
    ["key too long (257 characters)", { key: "é".repeat(257) }, ["key"]],
    ["key with a control character", { key: "a\nb" }, ["key"]],
    ["key with NUL", { key: "a\u0000b" }, ["key"]],
    ["value over 16 KiB of UTF-8", { value: "é".repeat(8192) + "x" }, ["value"]],
    ["value with NUL", { value: "a\u0000b" }, ["value"]],
    ["metadata over 16 KiB", { metadata: { blob: "x".repeat(16 * 1024) } }, ["metadata"]],
    ["metadata too deep", { metadata: deep(20) }, ["metadata"]],
    ["metadata with NUL", { metadata: { note: "a\u0000b" } }, ["metadata"]],
    ["relevance_score above 1", { relevanceScore: 1.01 }, ["relevance_score"]],
    ["relevance_score negative", { relevanceScore: -0.1 }, ["relevance_score"]],
    ["relevance_score NaN", { relevanceScore: Number.NaN }, ["relevance_score"]],
    ["ttl zero", { ttl: { seconds: 0, nanos: 0 } }, ["ttl"]],
    ["ttl negative", { ttl: { seconds: -5, nanos: 0 } }, ["ttl"]],
    ["ttl negative nanos", { ttl: { seconds: 0, nanos: -1 } }, ["ttl"]],
    ["ttl over ten years", { ttl: { seconds: tenYearsSeconds + 1, nanos: 0 } }, ["ttl"]],
    ["ttl over ten years by a nanosecond", { ttl: { seconds: tenYearsSeconds, nanos: 1 } }, ["ttl"]],
    ["both expire_time and ttl", { expireTime: new Date(Date.now() + 60_000), ttl: { seconds: 60, nanos: 0 } }, ["ttl"]],
    ["several problems at once", { userId: "", type: "BAD", key: "", relevanceScore: 2 }, ["user_id", "type", "key", "relevance_score"]],
  ] as [string, Partial<UpsertContextEntryRequest>, string[]][])("%s: names %j", (_case, fields, expected) => {
    expect(fieldsOf(parse(fields))).toEqual(expected);
  });

  it("states the limits", () => {
    expect(violationsOf(parse({ ttl: { seconds: tenYearsSeconds + 1, nanos: 0 } }))[0]?.description).toBe(`must be at most 10 years (${tenYearsSeconds}s)`);
    expect(violationsOf(parse({ key: "é".repeat(257) }))[0]?.description).toBe("must be at most 256 characters (got 257)");
    expect(violationsOf(parse({ value: "é".repeat(8192) + "x" }))[0]?.description).toBe("must be at most 16384 bytes of UTF-8 (got 16385)");
  });
});
