import { describe, expect, it } from "vitest";
import { idField, indexField, storableTextField, timestampCursorField } from "./cursorFields.js";

describe("cursor fields", () => {
  it("timestampCursorField takes only real instants written as the queries write them", () => {
    expect(timestampCursorField.safeParse("2026-11-30T09:01:36.123456Z").success).toBe(true);
    expect(timestampCursorField.safeParse("0001-01-01T00:00:00.000000Z").success).toBe(true);
    for (const bad of [
      "0",
      "2026-11-30T09:01:36Z",
      "+275760-09-13T00:00:00Z",
      "2026-02-31T00:00:00.000000Z",
      "0000-06-01T00:00:00.000000Z",
      "2026-11-30T25:00:00.000000Z",
      5,
    ]) {
      expect(timestampCursorField.safeParse(bad).success, String(bad)).toBe(false);
    }
  });

  it("idField, indexField and storableTextField refuse what PostgreSQL or the queries cannot take", () => {
    expect(idField.safeParse("s-1").success).toBe(true);
    expect(idField.safeParse("x\u0000").success).toBe(false);
    expect(idField.safeParse("a".repeat(129)).success).toBe(false);
    expect(indexField.safeParse(0).success).toBe(true);
    expect(indexField.safeParse(-1).success).toBe(false);
    expect(indexField.safeParse(Number.MAX_SAFE_INTEGER + 1).success).toBe(false);
    const key = storableTextField(3);
    expect(key.safeParse("abc").success).toBe(true);
    expect(key.safeParse("🙂🙂🙂").success).toBe(true);
    expect(key.safeParse("abcd").success).toBe(false);
    expect(key.safeParse("").success).toBe(false);
    expect(key.safeParse("a\u0000").success).toBe(false);
  });
});
