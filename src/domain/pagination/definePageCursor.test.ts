import { describe, expect, it } from "vitest";
import { z } from "zod";
import { InvalidArgumentError } from "../errors.js";
import { limits } from "../../validation/limits.js";
import { indexField } from "./cursorFields.js";
import { definePageCursor } from "./definePageCursor.js";
import { encodePageToken } from "./pageToken.js";

const cursor = definePageCursor("things", z.object({ i: indexField }));

/** The violation a decode throws, as `field: description`. */
function refusal(decode: () => unknown): string {
  try {
    decode();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    throw error;
  }
  throw new Error("expected InvalidArgumentError");
}

describe("definePageCursor", () => {
  it("round-trips a cursor with the same filters, and gives null for the first page", () => {
    const token = cursor.encode(["t1", "alice"], { i: 41 });
    expect(cursor.decode(token, ["t1", "alice"])).toEqual({ i: 41 });
    expect(cursor.decode("", ["t1", "alice"])).toBeNull();
  });

  it("keeps the wire format of tokens already handed out: the scope is the kind, then the filters", () => {
    const before = encodePageToken(["things", "t1", "alice"], { i: 7 });
    expect(cursor.encode(["t1", "alice"], { i: 7 })).toBe(before);
    expect(cursor.decode(before, ["t1", "alice"])).toEqual({ i: 7 });
  });

  it("decodes a token issued before this module (a golden token from the previous encoder)", () => {
    const sessions = definePageCursor("sessions", z.object({ a: z.string(), i: z.string() }));
    const issued = "eyJmIjoianNDaUg1eWJqVFRIWjFCbyIsImMiOnsiYSI6IjIwMjYtMTEtMzBUMDk6MDE6MzYuMTIzNDU2WiIsImkiOiJzMSJ9fQ";
    expect(sessions.decode(issued, ["default", "alice", null])).toEqual({ a: "2026-11-30T09:01:36.123456Z", i: "s1" });
    expect(sessions.encode(["default", "alice", null], { a: "2026-11-30T09:01:36.123456Z", i: "s1" })).toBe(issued);
  });

  it("refuses a token of other filters, another user, or another listing, naming page_token", () => {
    const token = cursor.encode(["t1", "alice"], { i: 1 });
    expect(refusal(() => cursor.decode(token, ["t1", "bob"]))).toMatch(/^page_token: was issued for another request/);
    const other = definePageCursor("others", z.object({ i: indexField }));
    expect(refusal(() => other.decode(token, ["t1", "alice"]))).toMatch(/^page_token: was issued for another request/);
  });

  it("refuses garbage and an oversized token, stating the limit", () => {
    expect(refusal(() => cursor.decode("not-a-token", []))).toMatch(/^page_token: is not a page token this service issued/);
    expect(refusal(() => cursor.decode(Buffer.from("[1]").toString("base64url"), []))).toMatch(/^page_token: is not a page token/);
    expect(refusal(() => cursor.decode("A".repeat(limits.pageTokenMaxLength + 1), []))).toBe(
      `page_token: must be at most ${limits.pageTokenMaxLength} characters: pass the page token a response gave, unchanged`,
    );
  });

  it("refuses a cursor the schema refuses (tokens are not secret) or the request's check refuses", () => {
    for (const tampered of [{ i: -1 }, { i: 1.5 }, { i: "3" }, {}, { i: 2 ** 53 }]) {
      const token = encodePageToken(["things"], tampered);
      expect(refusal(() => cursor.decode(token, []))).toMatch(/^page_token: holds a position out of range/);
    }
    const token = cursor.encode([], { i: 9 });
    expect(refusal(() => cursor.decode(token, [], { accept: (c) => c.i < 5 }))).toMatch(/^page_token: holds a position out of range/);
    expect(cursor.decode(token, [], { accept: (c) => c.i < 10 })).toEqual({ i: 9 });
  });

  it("names another field when told (export cursors, CLI flags)", () => {
    const exportLike = definePageCursor("export", z.object({ i: indexField }), { field: "cursor", noun: "export cursor" });
    expect(refusal(() => exportLike.decode("garbage", []))).toMatch(/^cursor: is not an? export cursor/);
    expect(refusal(() => exportLike.decode("garbage", [], { field: "--cursor" }))).toMatch(/^--cursor: /);
  });
});
