import { InvalidArgumentError, type FieldViolation } from "../domain/errors.js";
import { isId, limits, uuidPattern } from "./limits.js";

const utf8Length = (value: string): number => Buffer.byteLength(value, "utf8");

// C0 controls other than tab, newline and carriage return.
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;
// Every C0 control and DEL: none belongs in an identifier.
const anyControlCharacter = /[\u0000-\u001F\u007F]/;

/**
 * Collects field violations of one request, so a client learns every problem
 * at once. `done()` throws InvalidArgumentError when there is any.
 */
export class Validator {
  private readonly violations: FieldViolation[] = [];

  fail(field: string, description: string): void {
    this.violations.push({ field, description });
  }

  /** A required or optional id (user id, session id). */
  id(field: string, value: string, options: { required: boolean }): string {
    if (value === "") {
      if (options.required) this.fail(field, "is required");
      return value;
    }
    if (value.length > limits.idMaxLength) {
      this.fail(field, `must be at most ${limits.idMaxLength} characters (got ${value.length})`);
    } else if (!isId(value)) {
      this.fail(field, "must contain only letters, digits and . _ : @ + -, and start with a letter or digit");
    }
    return value;
  }

  /** A UUID (message ids). Empty is allowed when not required. */
  uuid(field: string, value: string, options: { required: boolean }): string | null {
    if (value === "") {
      if (options.required) this.fail(field, "is required");
      return null;
    }
    if (!uuidPattern.test(value)) {
      this.fail(field, "must be a UUID");
      return null;
    }
    return value.toLowerCase();
  }

  /** Free text limited in characters (code points), without control characters. */
  text(field: string, value: string, maxCharacters: number): string {
    const length = [...value].length;
    if (length > maxCharacters) this.fail(field, `must be at most ${maxCharacters} characters (got ${length})`);
    else if (controlCharacters.test(value)) this.fail(field, "must not contain control characters");
    return value;
  }

  /** An identifier (a key) limited in characters (code points), without any control character, tab, CR and LF included. */
  key(field: string, value: string, maxCharacters: number): string {
    const length = [...value].length;
    if (length > maxCharacters) this.fail(field, `must be at most ${maxCharacters} characters (got ${length})`);
    else if (anyControlCharacter.test(value)) this.fail(field, "must not contain control characters (tab, CR and LF included)");
    return value;
  }

  /**
   * Content limited in UTF-8 bytes. Any text is allowed but NUL, which
   * PostgreSQL text cannot store.
   */
  content(field: string, value: string, maxBytes: number): string {
    const bytes = utf8Length(value);
    if (bytes > maxBytes) this.fail(field, `must be at most ${maxBytes} bytes of UTF-8 (got ${bytes})`);
    else if (value.includes("\u0000")) this.fail(field, "must not contain NUL characters (U+0000)");
    return value;
  }

  /** A google.protobuf.Struct as a plain object: size and depth limits. */
  metadata(
    field: string,
    value: Record<string, unknown> | undefined,
    maxBytes: number = limits.metadataMaxBytes,
  ): Record<string, unknown> {
    if (value === undefined) return {};
    const json = JSON.stringify(value);
    const bytes = utf8Length(json);
    if (bytes > maxBytes) {
      this.fail(field, `must be at most ${maxBytes} bytes as JSON (got ${bytes})`);
      return value;
    }
    const shape = inspectJson(value);
    if (shape.depth > limits.metadataMaxDepth) {
      this.fail(field, `must be nested at most ${limits.metadataMaxDepth} levels`);
    } else if (shape.hasNul) {
      this.fail(field, "must not contain NUL characters");
    } else if (shape.hasNonFiniteNumber) {
      // JSON (and so jsonb) has no NaN or Infinity: they would be stored as null.
      this.fail(field, "must not contain NaN or infinite numbers");
    }
    return value;
  }

  /** A score between 0 and 1. */
  unitInterval(field: string, value: number): number {
    if (!Number.isFinite(value) || value < 0 || value > 1) this.fail(field, "must be between 0 and 1");
    return value;
  }

  /** page_size: 0 means the default, above the maximum is capped, negative is invalid. */
  pageSize(field: string, value: number): number {
    if (value < 0) {
      this.fail(field, "must not be negative");
      return limits.defaultPageSize;
    }
    if (value === 0) return limits.defaultPageSize;
    return Math.min(value, limits.maxPageSize);
  }

  done(): void {
    if (this.violations.length > 0) throw new InvalidArgumentError(this.violations);
  }
}

/**
 * One walk over a JSON-like value: its nesting depth (an object or array is
 * one level), whether a key or string holds NUL (jsonb cannot store it), and
 * whether a number is NaN or infinite (JSON has neither).
 */
function inspectJson(value: unknown): { depth: number; hasNul: boolean; hasNonFiniteNumber: boolean } {
  if (typeof value === "string") return { depth: 0, hasNul: value.includes("\u0000"), hasNonFiniteNumber: false };
  if (typeof value === "number") return { depth: 0, hasNul: false, hasNonFiniteNumber: !Number.isFinite(value) };
  if (value === null || typeof value !== "object") return { depth: 0, hasNul: false, hasNonFiniteNumber: false };
  const shape = { depth: 0, hasNul: false, hasNonFiniteNumber: false };
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    const inner = inspectJson(child);
    shape.depth = Math.max(shape.depth, inner.depth);
    shape.hasNul ||= key.includes("\u0000") || inner.hasNul;
    shape.hasNonFiniteNumber ||= inner.hasNonFiniteNumber;
  }
  shape.depth += 1;
  return shape;
}
