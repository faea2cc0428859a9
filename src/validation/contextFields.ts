import { contextTypePattern, limits } from "./limits.js";
import type { Validator } from "./Validator.js";

// C0 controls and DEL: not allowed in keys (a key is an identifier, not text).
const controlCharacters = /[\u0000-\u001F\u007F]/;

/** Whether `value` is a well-formed context entry type: 1 to 64 of `a-z 0-9 _ . -`. */
export const isContextType = (value: unknown): value is string =>
  typeof value === "string" && value.length <= limits.contextTypeMaxLength && contextTypePattern.test(value);

/** Whether `value` is a well-formed context entry key: 1 to 256 characters, no control characters. */
export const isContextKey = (value: unknown): value is string =>
  typeof value === "string" && value !== "" && [...value].length <= limits.contextKeyMaxLength && !controlCharacters.test(value);

/** Validates a context entry type; empty is allowed only when not required. */
export function contextType(v: Validator, field: string, value: string, options: { required: boolean }): string {
  if (value === "") {
    if (options.required) v.fail(field, "is required");
  } else if (value.length > limits.contextTypeMaxLength) {
    v.fail(field, `must be at most ${limits.contextTypeMaxLength} characters (got ${value.length})`);
  } else if (!contextTypePattern.test(value)) {
    v.fail(field, "must contain only lowercase letters, digits and _ . -");
  }
  return value;
}

/** Validates a required context entry key. */
export function contextKey(v: Validator, field: string, value: string): string {
  const length = [...value].length;
  if (value === "") v.fail(field, "is required");
  else if (length > limits.contextKeyMaxLength) v.fail(field, `must be at most ${limits.contextKeyMaxLength} characters (got ${length})`);
  else if (controlCharacters.test(value)) v.fail(field, "must not contain control characters");
  return value;
}
