import { InvalidArgumentError, type FieldViolation } from "../domain/errors.js";
import { idPattern, limits, uuidPattern } from "./limits.js";

const utf8Length = (value: string): number => Buffer.byteLength(value, "utf8");

// C0 controls other than tab, newline and carriage return.
const controlCharacters = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

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
    } else if (!idPattern.test(value)) {
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
  metadata(field: string, value: Record<string, unknown> | undefined): Record<string, unknown> {
    if (value === undefined) return {};
    const json = JSON.stringify(value);
    const bytes = utf8Length(json);
    if (bytes > limits.metadataMaxBytes) {
      this.fail(field, `must be at most ${limits.metadataMaxBytes} bytes as JSON (got ${bytes})`);
    } else if (depth(value) > limits.metadataMaxDepth) {
      this.fail(field, `must be nested at most ${limits.metadataMaxDepth} levels`);
    } else if (hasNul(value)) {
      this.fail(field, "must not contain NUL characters");
    } else if (hasNonFiniteNumber(value)) {
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

function depth(value: unknown): number {
  if (value === null || typeof value !== "object") return 0;
  let max = 0;
  for (const child of Object.values(value as Record<string, unknown>)) {
    max = Math.max(max, depth(child));
  }
  return max + 1;
}

/** Whether a key or a string anywhere in `value` contains NUL (jsonb cannot store it). */
function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object") return false;
  return Object.entries(value as Record<string, unknown>).some(([key, child]) => key.includes("\u0000") || hasNul(child));
}

function hasNonFiniteNumber(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (value === null || typeof value !== "object") return false;
  return Object.values(value as Record<string, unknown>).some(hasNonFiniteNumber);
}
