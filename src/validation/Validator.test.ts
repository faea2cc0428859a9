import { describe, expect, it } from "vitest";
import { InvalidArgumentError, type FieldViolation } from "../domain/errors.js";
import { limits } from "./limits.js";
import { Validator } from "./Validator.js";

/** Runs one check on a fresh Validator: the returned value and the violations done() reports. */
function check<T>(run: (v: Validator) => T): { value: T; violations: readonly FieldViolation[] } {
  const v = new Validator();
  const value = run(v);
  try {
    v.done();
  } catch (error) {
    if (!(error instanceof InvalidArgumentError)) throw error;
    return { value, violations: error.violations };
  }
  return { value, violations: [] };
}

const fields = (violations: readonly FieldViolation[]) => violations.map((v) => v.field);

/** An object nested `levels` deep: nest(1) is { leaf: true }. */
const nest = (levels: number): Record<string, unknown> => (levels <= 1 ? { leaf: true } : { nested: nest(levels - 1) });

describe("Validator", () => {
  describe("pageSize", () => {
    it("uses the default page size (50) for 0", () => {
      expect(limits.defaultPageSize).toBe(50);
      expect(check((v) => v.pageSize("page_size", 0))).toEqual({ value: limits.defaultPageSize, violations: [] });
    });

    it("caps a page size above the maximum (1000)", () => {
      expect(limits.maxPageSize).toBe(1000);
      expect(check((v) => v.pageSize("page_size", 5000))).toEqual({ value: limits.maxPageSize, violations: [] });
      expect(check((v) => v.pageSize("page_size", limits.maxPageSize)).value).toBe(limits.maxPageSize);
      expect(check((v) => v.pageSize("page_size", limits.maxPageSize + 1)).value).toBe(limits.maxPageSize);
    });

    it("keeps a page size within the limits", () => {
      expect(check((v) => v.pageSize("page_size", 1))).toEqual({ value: 1, violations: [] });
      expect(check((v) => v.pageSize("page_size", 7))).toEqual({ value: 7, violations: [] });
    });

    it("refuses a negative page size", () => {
      const { violations } = check((v) => v.pageSize("page_size", -1));
      expect(violations).toEqual([{ field: "page_size", description: expect.stringContaining("negative") }]);
    });
  });

  describe("content", () => {
    const max = 64;

    it("accepts up to the limit in UTF-8 bytes, control characters included", () => {
      expect(check((v) => v.content("c", "x".repeat(max), max))).toEqual({ value: "x".repeat(max), violations: [] });
      expect(check((v) => v.content("c", "é".repeat(max / 2), max)).violations).toEqual([]);
      expect(check((v) => v.content("c", "tab\there\u0001\u007f", max)).violations).toEqual([]);
      expect(check((v) => v.content("c", "", max)).violations).toEqual([]);
    });

    it("refuses content over the limit, counted in UTF-8 bytes, not characters", () => {
      expect(fields(check((v) => v.content("c", "x".repeat(max + 1), max)).violations)).toEqual(["c"]);
      // max / 2 + 1 characters, but max + 2 bytes.
      const { violations } = check((v) => v.content("c", "é".repeat(max / 2 + 1), max));
      expect(violations).toEqual([{ field: "c", description: expect.stringContaining(`got ${max + 2}`) }]);
    });

    it("refuses a NUL character, which PostgreSQL text cannot store", () => {
      const { violations } = check((v) => v.content("messages[0].content", "a\u0000b", max));
      expect(violations).toEqual([{ field: "messages[0].content", description: expect.stringContaining("NUL") }]);
    });
  });

  describe("metadata", () => {
    it("gives an empty object when absent", () => {
      expect(check((v) => v.metadata("metadata", undefined))).toEqual({ value: {}, violations: [] });
    });

    it("accepts metadata exactly at the size limit, in UTF-8 bytes of JSON", () => {
      // {"v":"…"} is 8 bytes of JSON around the string.
      const atLimit = { v: "x".repeat(limits.metadataMaxBytes - 8) };
      expect(Buffer.byteLength(JSON.stringify(atLimit))).toBe(limits.metadataMaxBytes);
      expect(check((v) => v.metadata("metadata", atLimit)).violations).toEqual([]);
    });

    it("refuses metadata over the size limit", () => {
      expect(fields(check((v) => v.metadata("metadata", { v: "x".repeat(limits.metadataMaxBytes - 7) })).violations)).toEqual(["metadata"]);
      // Fewer characters than the limit, more bytes.
      const multibyte = { v: "é".repeat(limits.metadataMaxBytes / 2) };
      expect(JSON.stringify(multibyte).length).toBeLessThan(limits.metadataMaxBytes);
      expect(fields(check((v) => v.metadata("metadata", multibyte)).violations)).toEqual(["metadata"]);
    });

    it("accepts nesting up to the depth limit and refuses one level more", () => {
      expect(check((v) => v.metadata("metadata", nest(limits.metadataMaxDepth))).violations).toEqual([]);
      const { violations } = check((v) => v.metadata("metadata", nest(limits.metadataMaxDepth + 1)));
      expect(violations).toEqual([{ field: "metadata", description: expect.stringContaining(`${limits.metadataMaxDepth} levels`) }]);
    });

    it("counts lists as nesting levels", () => {
      let value: unknown = "leaf";
      for (let i = 0; i < limits.metadataMaxDepth; i++) value = [value];
      expect(fields(check((v) => v.metadata("metadata", { list: value })).violations)).toEqual(["metadata"]);
    });

    it("refuses NaN and infinite numbers, at any depth, which JSON cannot hold", () => {
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
        expect(fields(check((v) => v.metadata("metadata", { n: bad })).violations)).toEqual(["metadata"]);
        expect(fields(check((v) => v.metadata("metadata", { a: { b: [1, bad] } })).violations)).toEqual(["metadata"]);
      }
      expect(check((v) => v.metadata("metadata", { n: 1.5, m: -0, big: Number.MAX_VALUE })).violations).toEqual([]);
    });

    it("refuses a NUL character in a value or a key", () => {
      expect(fields(check((v) => v.metadata("metadata", { a: ["x\u0000"] })).violations)).toEqual(["metadata"]);
      expect(fields(check((v) => v.metadata("metadata", { "k\u0000": 1 })).violations)).toEqual(["metadata"]);
      expect(check((v) => v.metadata("metadata", { a: "other\u0001controls\tare fine" })).violations).toEqual([]);
      // A backslash followed by "u0000" is six ordinary characters, not NUL.
      expect(check((v) => v.metadata("metadata", { path: "C:\\u0000dir" })).violations).toEqual([]);
    });
  });

  describe("id", () => {
    it("requires a value only when required", () => {
      expect(fields(check((v) => v.id("user_id", "", { required: true })).violations)).toEqual(["user_id"]);
      expect(check((v) => v.id("session_id", "", { required: false }))).toEqual({ value: "", violations: [] });
    });

    it("accepts letters, digits and . _ : @ + - up to the maximum length", () => {
      expect(check((v) => v.id("id", "a.b_c:d@e+f-9", { required: true })).violations).toEqual([]);
      expect(check((v) => v.id("id", "u".repeat(limits.idMaxLength), { required: true })).violations).toEqual([]);
    });

    it("refuses ids too long, with other characters, or not starting with a letter or digit", () => {
      for (const bad of ["u".repeat(limits.idMaxLength + 1), "a b", "a/b", "é", "a\u0000", "-a", ".a", "_a"]) {
        expect(fields(check((v) => v.id("id", bad, { required: false })).violations), JSON.stringify(bad)).toEqual(["id"]);
      }
    });
  });

  describe("uuid", () => {
    const id = "0F8FAD5B-D9CB-469F-A165-70867728950E";

    it("accepts a UUID in any case and gives it lower-cased", () => {
      expect(check((v) => v.uuid("message_id", id, { required: true }))).toEqual({ value: id.toLowerCase(), violations: [] });
    });

    it("gives null for an empty optional UUID, and refuses an empty required one", () => {
      expect(check((v) => v.uuid("parent_message_id", "", { required: false }))).toEqual({ value: null, violations: [] });
      expect(fields(check((v) => v.uuid("message_id", "", { required: true })).violations)).toEqual(["message_id"]);
    });

    it("refuses what is not a UUID", () => {
      for (const bad of ["nope", "1", `${id}0`, id.slice(1), `{${id}}`, id.replace(/-/g, "")]) {
        expect(check((v) => v.uuid("message_id", bad, { required: false })), bad).toEqual({
          value: null,
          violations: [{ field: "message_id", description: "must be a UUID" }],
        });
      }
    });
  });

  describe("text", () => {
    it("counts characters as code points", () => {
      expect(check((v) => v.text("name", "😀".repeat(limits.nameMaxLength), limits.nameMaxLength)).violations).toEqual([]);
      expect(fields(check((v) => v.text("name", "😀".repeat(limits.nameMaxLength + 1), limits.nameMaxLength)).violations)).toEqual(["name"]);
      expect(fields(check((v) => v.text("name", "n".repeat(limits.nameMaxLength + 1), limits.nameMaxLength)).violations)).toEqual(["name"]);
    });

    it("allows tab, newline and carriage return, and refuses other control characters", () => {
      expect(check((v) => v.text("type", "a\tb\nc\rd", limits.typeMaxLength)).violations).toEqual([]);
      for (const bad of ["a\u0000", "a\u0001b", "\u001b[31m", "del\u007f"]) {
        expect(fields(check((v) => v.text("type", bad, limits.typeMaxLength)).violations), JSON.stringify(bad)).toEqual(["type"]);
      }
    });
  });

  describe("key", () => {
    it("refuses every control character, tab, CR and LF included, and counts code points", () => {
      expect(check((v) => v.key("key", "theme.colour é 😀", 256)).violations).toEqual([]);
      expect(check((v) => v.key("key", "😀".repeat(256), 256)).violations).toEqual([]);
      expect(fields(check((v) => v.key("key", "😀".repeat(257), 256)).violations)).toEqual(["key"]);
      for (const bad of ["a\tb", "a\nb", "a\rb", "a\u0000", "\u001b[31m", "del\u007f"]) {
        const { violations } = check((v) => v.key("key", bad, 256));
        expect(fields(violations), JSON.stringify(bad)).toEqual(["key"]);
        expect(violations[0]!.description).toContain("control characters");
      }
    });
  });

  describe("unitInterval", () => {
    it("accepts 0 to 1 and refuses NaN, infinities and values outside", () => {
      for (const good of [0, 0.5, 1]) expect(check((v) => v.unitInterval("relevance_score", good)).violations).toEqual([]);
      for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0.01, 1.01]) {
        expect(fields(check((v) => v.unitInterval("relevance_score", bad)).violations), String(bad)).toEqual(["relevance_score"]);
      }
    });
  });

  it("collects every violation, in order, and done() throws them together", () => {
    const v = new Validator();
    v.id("user_id", "", { required: true });
    v.pageSize("page_size", -5);
    v.content("content", "\u0000", 10);
    let thrown: unknown;
    try {
      v.done();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidArgumentError);
    expect(fields((thrown as InvalidArgumentError).violations)).toEqual(["user_id", "page_size", "content"]);
    expect(() => new Validator().done()).not.toThrow();
  });
});
