import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../domain/errors.js";
import { encodeExportCursor } from "../../domain/userData/exportCursor.js";
import { encodePageToken } from "../../validation/pageToken.js";
import { parseExportUserDataRequest } from "./parseExportUserDataRequest.js";

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

describe("parseExportUserDataRequest", () => {
  it("takes a user and no cursor, or a cursor of the same tenant and user", () => {
    expect(parseExportUserDataRequest({ userId: "alice", cursor: "" }, "t1")).toEqual({ userId: "alice", after: null });
    const cursor = encodeExportCursor("t1", "alice", { part: "message", sessionId: "s1", messageIndex: 41 });
    expect(parseExportUserDataRequest({ userId: "alice", cursor }, "t1").after).toEqual({ part: "message", sessionId: "s1", messageIndex: 41 });
    const preference = encodeExportCursor("t1", "alice", { part: "preference", key: "lang" });
    expect(parseExportUserDataRequest({ userId: "alice", cursor: preference }, "t1").after).toEqual({ part: "preference", key: "lang" });
  });

  it("refuses a missing user_id, and a cursor that is garbage, of another user or tenant, or tampered", () => {
    expect(fieldsOf(() => parseExportUserDataRequest({ userId: "", cursor: "" }, "t1"))).toEqual(["user_id: is required"]);
    const cursor = encodeExportCursor("t1", "alice", { part: "session", sessionId: "s1" });
    for (const [userId, tenantId, bad] of [
      ["alice", "t1", "not a cursor"],
      ["bob", "t1", cursor],
      ["alice", "t2", cursor],
      ["alice", "t1", encodePageToken(["export", "t1", "alice"], { p: 3, sessionId: "s1", messageIndex: -1 })],
      ["alice", "t1", encodePageToken(["export", "t1", "alice"], { p: 9, sessionId: "s1" })],
      ["alice", "t1", encodePageToken(["export", "t1", "alice"], { p: 6, key: "a\u0000" })],
    ] as const) {
      const fields = fieldsOf(() => parseExportUserDataRequest({ userId, cursor: bad }, tenantId));
      expect(fields).toHaveLength(1);
      expect(fields[0]).toMatch(/^cursor: /);
    }
  });
});
